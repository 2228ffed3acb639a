import { z } from "zod";
import { leaseWorkspaceJob as lease } from "../../core/workspaces/leaseWorkspaceJob";
import { endpoint } from "../../http/route";
import { RUNNER_KEY } from "./auth";

/** `POST /leaseWorkspaceJob` `{}` → `{ leased: false }` or the lease. */
export const leaseWorkspaceJob = endpoint({
  face: "workspace",
  method: "POST",
  path: "/leaseWorkspaceJob",
  auth: RUNNER_KEY,
  body: z.object({}),
  handler: async ({ principal, now }) => ({ body: await lease(principal, now) }),
});
