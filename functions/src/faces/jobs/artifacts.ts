import { readArtifact } from "../../core/jobsApi/readArtifact";
import { idSchema } from "../../http/schemas";
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
    const fileName = artifact.name.split("/").pop() ?? "artifact";
    res.setHeader("content-type", artifact.blob.contentType);
    res.setHeader("content-length", String(bytes.length));
    res.setHeader("content-disposition", `attachment; filename*=UTF-8''${encodeURIComponent(fileName)}`);
    res.setHeader("x-content-type-options", "nosniff");
    res.setHeader("content-security-policy", "sandbox");
    res.setHeader("etag", `"${artifact.blob.sha256}"`);
    res.setHeader("cache-control", "private, max-age=3600");
    res.status(200).end(bytes);
    return ALREADY_SENT;
  },
});
