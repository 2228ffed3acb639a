import { updateRunnerSummary } from "../../core/workspaces/updateRunnerSummary";
import { endpoint } from "../../http/route";
import { RUNNER_KEY } from "./auth";
import { summaryBody } from "./schemas";

export { summaryBody } from "./schemas";

/** `POST /updateWorkspaceRunnerSummary` → `{ ok: true }`; 409 without the lease. */
export const updateWorkspaceRunnerSummary = endpoint({
  face: "workspace",
  method: "POST",
  path: "/updateWorkspaceRunnerSummary",
  auth: RUNNER_KEY,
  maxBodyBytes: 256 * 1024,
  body: summaryBody,
  handler: async ({ principal, body, now }) => {
    await updateRunnerSummary(principal, body.workspaceId, body, now);
    return { body: { ok: true } };
  },
});
