import { heartbeatWorkspaceJob as heartbeat } from "../../core/workspaces/heartbeatWorkspaceJob";
import { endpoint } from "../../http/route";
import { RUNNER_KEY } from "./auth";
import { workspaceRef } from "./schemas";

/** `POST /heartbeatWorkspaceJob` `{ workspaceId }` → `{ ok: true, leaseExpiresAt }`; 409 without the lease. */
export const heartbeatWorkspaceJob = endpoint({
  face: "workspace",
  method: "POST",
  path: "/heartbeatWorkspaceJob",
  auth: RUNNER_KEY,
  body: workspaceRef,
  handler: async ({ principal, body, now }) => ({
    body: { ok: true, ...(await heartbeat(principal, body.workspaceId, now)) },
  }),
});
