import { blobStore } from "../blobs/blobStore";
import { jobArtifacts, type ArtifactDoc } from "../../data/jobArtifacts";
import { NotFound } from "../../http/errors";
import { readOwnedJob } from "./ownedJob";

/** An artifact of one of the owner's jobs, with its bytes. */
export async function readArtifact(
  teamId: string,
  jobId: string,
  artifactId: string,
): Promise<{ artifact: ArtifactDoc; bytes: Buffer }> {
  await readOwnedJob(teamId, jobId);
  const artifact = (await jobArtifacts(jobId).doc(artifactId).get()).data();
  const bytes = artifact === undefined ? null : await blobStore().get(artifact.blob);
  if (artifact === undefined || bytes === null) throw new NotFound("ARTIFACT_NOT_FOUND", "No such artifact.");
  return { artifact, bytes };
}
