import { callerGone } from "../../http/callerGone";
import { leaseWorkspaceJob as lease } from "../../core/workspaces/leaseWorkspaceJob";
import { endpoint } from "../../http/route";
import { RUNNER_KEY } from "./auth";
import { workspaceLeaseBody } from "./schemas";

/** `POST /leaseWorkspaceJob` `{}` or `{ waitMs }` → `{ leased: false }` or the lease; an empty body answers at once. */
export const leaseWorkspaceJob = endpoint({
  face: "workspace",
  method: "POST",
  path: "/leaseWorkspaceJob",
  auth: RUNNER_KEY,
  body: workspaceLeaseBody,
  handler: async ({ res, principal, body, now }) => ({
    body: await lease(principal, body.waitMs, now, callerGone(res)),
  }),
});
