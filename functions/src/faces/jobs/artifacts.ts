import { readArtifact } from "../../core/jobsApi/readArtifact";
import { idSchema } from "../../http/schemas";
import { sendAttachment } from "../../http/attachment";
import { ALREADY_SENT, endpoint } from "../../http/route";
import { JOBS_READ } from "./auth";
import { jobParams } from "./schemas";

/**
 * `GET /jobs/:jobId/artifacts/:artifactId/content` → the bytes, with the content type the runner
 * gave. Runner-supplied content is served as an attachment, unsniffed and sandboxed, so an
 * uploaded HTML file cannot run script on this origin.
 */
export const downloadJobArtifact = endpoint({
  face: "jobs",
  method: "GET",
  path: "/jobs/:jobId/artifacts/:artifactId/content",
  auth: JOBS_READ,
  params: jobParams.extend({ artifactId: idSchema }),
  handler: async ({ principal, params, res }) => {
    const { artifact, bytes } = await readArtifact(principal.teamId, params.jobId, params.artifactId);
    sendAttachment(res, {
      bytes,
      contentType: artifact.blob.contentType,
      fileName: artifact.name.split("/").pop() ?? "artifact",
      etag: artifact.blob.sha256,
    });
    return ALREADY_SENT;
  },
});
