import { failWorkspaceJob as fail } from "../../core/workspaces/failWorkspaceJob";
import { endpoint } from "../../http/route";
import { RUNNER_KEY } from "./auth";
import { failBody } from "./schemas";

export { failBody, MAX_ERROR_CHARS } from "./schemas";

/** `POST /failWorkspaceJob` `{ workspaceId, error, jobId? }` → `{ ok: true }` (again on a repeat); 409 without the lease. */
export const failWorkspaceJob = endpoint({
  face: "workspace",
  method: "POST",
  path: "/failWorkspaceJob",
  auth: RUNNER_KEY,
  body: failBody,
  handler: async ({ principal, body, now }) => {
    await fail(principal, body.workspaceId, body.error, now, body.jobId);
    return { body: { ok: true } };
  },
});
