import type { ControlPlanePrincipal } from "../../auth/authenticate";
import { InvalidArgument } from "../../http/errors";

/**
 * Tenant ids go into document ids (`apps/{tenant}~{slug}`) and queue names, so they are held to
 * the shape of a workspace UUID-ish token; `~` and `/` can never appear.
 */
export const TENANT_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** The tenant a Control Plane call acts for: its `x-client-key` (equal to the JWT's claim). */
export function tenantOf(principal: ControlPlanePrincipal): string {
  if (!TENANT_ID_PATTERN.test(principal.tenantId)) {
    throw new InvalidArgument(
      "INVALID_CLIENT_KEY",
      "x-client-key must be a workspace id (letters, digits, - and _, at most 64).",
    );
  }
  return principal.tenantId;
}

/**
 * Tenant runner keys are ordinary scoped API keys (`runners:write`) whose owner is this
 * synthetic id: the link between a key and the tenant whose executions it may lease. No Firebase
 * user can sign in with it, so no Studio user owns or lists these keys.
 */
const TENANT_OWNER_PREFIX = "coderunner-tenant:";

export function tenantOwnerUid(tenantId: string): string {
  return `${TENANT_OWNER_PREFIX}${tenantId}`;
}

/** Whether a credential owner is a tenant pseudo-owner (which is also the key's team). */
export function isTenantOwner(ownerUid: string): boolean {
  return ownerUid.startsWith(TENANT_OWNER_PREFIX);
}

/** The tenant whose runner keys this owner id marks; null for every other owner (Studio users). */
export function tenantOfOwner(ownerUid: string): string | null {
  if (!ownerUid.startsWith(TENANT_OWNER_PREFIX)) return null;
  const tenantId = ownerUid.slice(TENANT_OWNER_PREFIX.length);
  return TENANT_ID_PATTERN.test(tenantId) ? tenantId : null;
}
