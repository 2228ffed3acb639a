import { expireAtFrom } from "../retention/retention";
import { Timestamp } from "firebase-admin/firestore";
import { blobStore } from "../blobs/blobStore";
import { faultPoint } from "../faults";
import { db } from "../../data/firestore";
import { artifactIdFor, jobArtifacts, type ArtifactDoc } from "../../data/jobArtifacts";
import { assert, Conflict } from "../../http/errors";
import { assertHoldsNow, holdInTransaction, type JobsRunner } from "./heldJob";
import { MAX_ARTIFACTS_PER_JOB } from "./model";
import { jobRef } from "./ownedJob";
import { artifactView } from "./readJob";

export interface ArtifactUpload {
  name: string;
  contentType: string;
  bytes: Buffer;
}

/**
 * Stores an artifact for the holding runner. The lease is checked before the bytes are written
 * (a stranger cannot fill the blob store) and again in the transaction that records them; the
 * blob store is content-addressed, so bytes written before a refused commit are an orphan, not
 * a wrong answer. A retried upload (same name, same bytes) answers the stored artifact.
 */
export async function uploadArtifact(
  runner: JobsRunner,
  jobId: string,
  token: string,
  upload: ArtifactUpload,
  now: Date,
) {
  await assertHoldsNow(runner, jobId, token, now);
  const blob = await blobStore().put(upload.bytes, upload.contentType);
  await faultPoint("uploadArtifact.afterBlob");
  const artifactId = artifactIdFor(upload.name);
  const artifactRef = jobArtifacts(jobId).doc(artifactId);
  return db().runTransaction(async (tx) => {
    const job = await holdInTransaction(tx, runner, jobId, token, now);
    const existing = (await tx.get(artifactRef)).data();
    if (existing !== undefined) {
      const same = existing.blob.sha256 === blob.sha256 && existing.blob.contentType === blob.contentType;
      if (same) return { created: false, artifact: artifactView(jobId, artifactId, existing) };
      throw new Conflict("ARTIFACT_EXISTS", `The job already has an artifact named ${upload.name} with other content.`);
    }
    const count = job.artifactCount ?? 0;
    assert(
      count < MAX_ARTIFACTS_PER_JOB,
      new Conflict("TOO_MANY_ARTIFACTS", `A job holds at most ${MAX_ARTIFACTS_PER_JOB} artifacts.`, {
        limit: MAX_ARTIFACTS_PER_JOB,
      }),
    );
    const at = Timestamp.fromDate(now);
    const doc: ArtifactDoc = {
      name: upload.name,
      blob,
      uploadedBy: runner.runnerId,
      createdAt: at,
      expireAt: expireAtFrom(at),
    };
    tx.create(artifactRef, doc);
    tx.update(jobRef(jobId), { artifactCount: count + 1, updatedAt: at });
    return { created: true, artifact: artifactView(jobId, artifactId, doc) };
  });
}
