/**
 * Control Plane callers for the Coderunner face (seed 000): RS256 JWTs signed with the local
 * stack's dev key (made by scripts/stack.ts on start), plus the headers that go with them.
 */
import { createPrivateKey, randomUUID, type KeyObject } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { SignJWT } from "jose";
import { DEV_KEY_DIR } from "../../scripts/stack";

let devKey: KeyObject | undefined;

/** The dev private key; it exists once the stack has started. */
export function controlPlanePrivateKey(): KeyObject {
  devKey ??= createPrivateKey(readFileSync(join(DEV_KEY_DIR, "control-plane.private.pem"), "utf8"));
  return devKey;
}

export interface TokenOptions {
  /** Seconds until `exp`; negative for an already-expired token. */
  ttlSeconds?: number;
  /** Sign with another key (a forged token). */
  key?: KeyObject;
}

export async function controlPlaneToken(tenantId: string, userId: string, options: TokenOptions = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ external_tenant_id: tenantId, external_user_id: userId })
    .setProtectedHeader({ alg: "RS256", typ: "JWT" })
    .setIssuedAt(now)
    .setExpirationTime(now + (options.ttlSeconds ?? 3600))
    .setSubject(userId)
    .sign(options.key ?? controlPlanePrivateKey());
}

/** A Control Plane tenant (workspace) and one of its users, with what `call()` needs. */
export interface Tenant {
  tenantId: string;
  userId: string;
  token: string;
  headers: Record<string, string>;
}

export async function newTenant(userId = "42"): Promise<Tenant> {
  const tenantId = randomUUID();
  const token = await controlPlaneToken(tenantId, userId);
  return { tenantId, userId, token, headers: { "x-client-key": tenantId, "x-userid": userId } };
}
