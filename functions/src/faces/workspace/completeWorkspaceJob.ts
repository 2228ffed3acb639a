import { completeWorkspaceJob as complete } from "../../core/workspaces/completeWorkspaceJob";
import { endpoint } from "../../http/route";
import { RUNNER_KEY } from "./auth";
import { completionBody, MAX_COMPLETION_BYTES } from "./schemas";

export { completionBody, MAX_COMPLETION_BYTES } from "./schemas";

/** `POST /completeWorkspaceJob` → `{ ok: true, messageId }`; 400 naming a bad slice; 409 without the lease (or for another `jobId`). */
export const completeWorkspaceJob = endpoint({
  face: "workspace",
  method: "POST",
  path: "/completeWorkspaceJob",
  auth: RUNNER_KEY,
  maxBodyBytes: MAX_COMPLETION_BYTES,
  body: completionBody,
  handler: async ({ principal, body, now }) => {
    const { messageId, duplicate } = await complete(principal, body, now);
    return { body: { ok: true, messageId, ...(duplicate ? { duplicate: true } : {}) } };
  },
});
