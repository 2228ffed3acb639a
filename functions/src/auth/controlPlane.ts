import type { Request } from "firebase-functions/v2/https";
import { createRemoteJWKSet, errors, importSPKI, jwtVerify, type JWTVerifyGetKey, type CryptoKey } from "jose";
import {
  CONTROL_PLANE_AUDIENCE,
  CONTROL_PLANE_ISSUER,
  CONTROL_PLANE_JWKS_URL,
  CONTROL_PLANE_MAX_TOKEN_AGE_SECONDS,
  CONTROL_PLANE_PUBLIC_KEY,
  intParam,
} from "../config/params";
import { ApiError, PermissionDenied, Unauthenticated } from "../http/errors";
import type { ControlPlanePrincipal } from "./authenticate";

/** The only algorithm a Control Plane token may use; pinned so `none` and HS256 tricks fail. */
export const CONTROL_PLANE_ALGORITHM = "RS256";

let cachedKey: { source: string; key: Promise<CryptoKey | JWTVerifyGetKey> } | undefined;

function verificationKey(): Promise<CryptoKey | JWTVerifyGetKey> {
  const pem = CONTROL_PLANE_PUBLIC_KEY.value().replace(/\\n/g, "\n").trim();
  const jwksUrl = CONTROL_PLANE_JWKS_URL.value().trim();
  const source = pem.length > 0 ? `pem:${pem}` : `jwks:${jwksUrl}`;
  if (cachedKey?.source !== source) {
    if (pem.length > 0) {
      cachedKey = { source, key: importSPKI(pem, CONTROL_PLANE_ALGORITHM) };
    } else if (jwksUrl.length > 0) {
      cachedKey = { source, key: Promise.resolve(createRemoteJWKSet(new URL(jwksUrl))) };
    } else {
      throw new ApiError(503, "CONTROL_PLANE_AUTH_UNCONFIGURED", "Control Plane authentication is not configured.");
    }
  }
  return cachedKey.key;
}

/** Clock skew allowed on `exp` and on an `iat` slightly in the future. */
export const CONTROL_PLANE_CLOCK_TOLERANCE_SECONDS = 30;

/** firebase-tools sets this in the functions emulator: the one place issuer and audience may be unset. */
function inEmulator(): boolean {
  return process.env.FUNCTIONS_EMULATOR === "true";
}

/**
 * What a deployment lacks for Control Plane tokens to be checked fully, in words for the
 * operator; null when nothing is missing (or Control Plane auth is not configured at all, which
 * refuses every token anyway). Logged at startup and returned with every refusal.
 */
export function controlPlaneConfigProblem(): string | null {
  if (inEmulator()) return null;
  const keyed = CONTROL_PLANE_PUBLIC_KEY.value().trim().length > 0 || CONTROL_PLANE_JWKS_URL.value().trim().length > 0;
  const missing = [CONTROL_PLANE_ISSUER, CONTROL_PLANE_AUDIENCE]
    .filter((p) => p.value().trim().length === 0)
    .map((p) => p.name);
  if (!keyed || missing.length === 0) return null;
  return `${missing.join(" and ")} must be set outside the emulator: without them any issuer's or audience's RS256 token signed by this key would pass.`;
}

/**
 * Seed 000: `Authorization: Bearer <RS256 JWT>`, `x-client-key` = `external_tenant_id`,
 * `x-userid` = `external_user_id`. `exp` and `iat` are required, the token may be at most
 * `CONTROL_PLANE_MAX_TOKEN_AGE_SECONDS` old (an `iat` in the future is refused), and issuer and
 * audience are checked — required outside the emulator.
 */
export async function verifyControlPlaneToken(token: string, req: Request): Promise<ControlPlanePrincipal> {
  const clientKey = headerValue(req, "x-client-key");
  const userId = headerValue(req, "x-userid");
  if (clientKey === null || userId === null) {
    throw new Unauthenticated("MISSING_HEADERS", "Send x-client-key and x-userid with the token.");
  }
  const key = await verificationKey();
  const problem = controlPlaneConfigProblem();
  if (problem !== null)
    throw new ApiError(
      503,
      "CONTROL_PLANE_AUTH_UNCONFIGURED",
      `Control Plane authentication is not fully configured: ${problem}`,
    );
  const issuer = CONTROL_PLANE_ISSUER.value().trim();
  const audience = CONTROL_PLANE_AUDIENCE.value().trim();
  let payload: Record<string, unknown>;
  try {
    const options = {
      algorithms: [CONTROL_PLANE_ALGORITHM],
      requiredClaims: ["exp", "iat"],
      maxTokenAge: intParam(CONTROL_PLANE_MAX_TOKEN_AGE_SECONDS, 3600),
      clockTolerance: CONTROL_PLANE_CLOCK_TOLERANCE_SECONDS,
      ...(issuer.length > 0 ? { issuer } : {}),
      ...(audience.length > 0 ? { audience } : {}),
    };
    const result =
      typeof key === "function" ? await jwtVerify(token, key, options) : await jwtVerify(token, key, options);
    payload = result.payload;
  } catch (error) {
    const reason = error instanceof errors.JWTExpired ? "TOKEN_EXPIRED" : "INVALID_TOKEN";
    throw new Unauthenticated(reason, "The Control Plane token is invalid or expired.");
  }
  const tenantClaim = payload.external_tenant_id;
  const userClaim = payload.external_user_id;
  if (typeof tenantClaim !== "string" || (typeof userClaim !== "string" && typeof userClaim !== "number")) {
    throw new Unauthenticated("MISSING_CLAIMS", "The token lacks external_tenant_id or external_user_id.");
  }
  if (tenantClaim !== clientKey || String(userClaim) !== userId) {
    throw new PermissionDenied("CLAIM_MISMATCH", "x-client-key and x-userid must match the token's claims.");
  }
  return { kind: "controlPlane", tenantId: clientKey, userId };
}

function headerValue(req: Request, name: string): string | null {
  const value = req.headers[name];
  return typeof value === "string" && value.trim().length > 0 ? value.trim() : null;
}
