import { buildRunnerContext } from "../../core/workspaces/buildRunnerContext";
import { endpoint } from "../../http/route";
import { RUNNER_KEY } from "./auth";
import { workspaceRef } from "./schemas";

/** `POST /getWorkspaceRunnerContext` `{ workspaceId }` → the compiled context; 409 without the lease. */
export const getWorkspaceRunnerContext = endpoint({
  face: "workspace",
  method: "POST",
  path: "/getWorkspaceRunnerContext",
  auth: RUNNER_KEY,
  body: workspaceRef,
  handler: async ({ principal, body, now }) => ({ body: await buildRunnerContext(principal, body.workspaceId, now) }),
});
