import type { ControlPlanePrincipal, TenantRunnerPrincipal } from "../../auth/authenticate";
import type { TenantRunner } from "../../core/code/runExecutions";
import { tenantOf } from "../../core/code/tenant";
import { PermissionDenied } from "../../http/errors";

/** Seed 000: a Control Plane RS256 JWT with `x-client-key` and `x-userid`. */
export const CONTROL_PLANE = { accept: ["controlPlane"] } as const;
/** The runner side: a tenant runner key (a `runners:write` API key owned by the tenant), and no other key. */
export const TENANT_RUNNER = { accept: ["tenantRunner"], scope: "runners:write" } as const;

export interface Caller {
  tenantId: string;
  userId: string;
}

export function callerOf(principal: ControlPlanePrincipal): Caller {
  return { tenantId: tenantOf(principal), userId: principal.userId };
}

export function runnerOf(principal: TenantRunnerPrincipal): TenantRunner {
  return { tenantId: principal.tenantId, holder: principal.credentialId };
}

/** Proxy paths name the workspace; it must be the one the token and `x-client-key` speak for. */
export function assertWorkspace(caller: Caller, workspaceId: string): void {
  if (workspaceId !== caller.tenantId) {
    throw new PermissionDenied("WORKSPACE_MISMATCH", "The path's workspace_id must equal x-client-key.");
  }
}
