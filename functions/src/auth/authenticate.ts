import { getAuth } from "firebase-admin/auth";
import { Timestamp, type DocumentSnapshot } from "firebase-admin/firestore";
import type { Request } from "firebase-functions/v2/https";
import { COLLECTIONS, type CredentialDoc, type RunnerPool, type Scope } from "../data/collections";
import { adminApp, db } from "../data/firestore";
import type { Role } from "../data/teams";
import { ensurePersonalTeam, personalTeamId } from "../core/teams/ensurePersonalTeam";
import { PermissionDenied, Unauthenticated } from "../http/errors";
import { isTenantOwner } from "../core/code/tenant";
import { verifyControlPlaneToken } from "./controlPlane";
import { secretMatches, splitCredentialToken } from "./secrets";
import { assertRole, namedTeam, noSuchTeam, roleIn, type TeamSource } from "./team";

/** `lastUsedAt` is refreshed at most this often, so authentication is not a write per request. */
export const LAST_USED_GRANULARITY_MS = 60_000;

export interface UserPrincipal {
  kind: "user";
  uid: string;
  email: string | null;
  /** The team the call acts in (see auth/team.ts), and the caller's role there. */
  teamId: string;
  role: Role;
  /** Reads `admins/{uid}` on first call. */
  isAdmin(): Promise<boolean>;
}
export interface RunnerPrincipal {
  kind: "runner";
  credentialId: string;
  instanceId: string;
  ownerUid: string;
  /** The key's team: it acts there and nowhere else. */
  teamId: string;
  pool: RunnerPool;
}
export interface ApiKeyPrincipal {
  kind: "apiKey";
  credentialId: string;
  /** Who minted it (a uid, or a Coderunner tenant's pseudo-owner). */
  ownerUid: string;
  /** The key's team: it acts there and nowhere else. */
  teamId: string;
  scopes: Scope[];
}
export interface ControlPlanePrincipal {
  kind: "controlPlane";
  /** `external_tenant_id` claim = `x-client-key` header (workspace UUID). */
  tenantId: string;
  /** `external_user_id` claim = `x-userid` header. */
  userId: string;
}
export type Principal = UserPrincipal | RunnerPrincipal | ApiKeyPrincipal | ControlPlanePrincipal;
export type PrincipalKind = Principal["kind"];

/**
 * Who may call an endpoint. `scope` applies to API keys; a signed-in user passes scope checks
 * for their own resources (the operations check ownership).
 */
export type AuthRule =
  | { readonly public: true }
  | {
      readonly accept: readonly PrincipalKind[];
      readonly scope?: Scope;
      /** Seed 004 also takes the key in `x-api-key`. */
      readonly apiKeyHeader?: boolean;
      /** Least team role a signed-in user needs: `viewer` for GET, `member` otherwise, unless named. */
      readonly role?: Role;
      /** Where the team comes from (default `request`: path, header, query, else personal). */
      readonly team?: TeamSource;
    };

export type PrincipalFor<R extends AuthRule> = R extends { readonly accept: readonly (infer K)[] }
  ? Extract<Principal, { kind: K }>
  : null;

/**
 * Resolves the caller for `rule` and the team it acts in, or throws 401/403 (404 for a team the
 * caller is not in). `params` are the path's, for routes under `/teams/:teamId`.
 */
export async function authenticate<R extends AuthRule>(req: Request, rule: R, params: Record<string, string> = {}): Promise<PrincipalFor<R>> {
  if ("public" in rule) return null as PrincipalFor<R>;
  const principal = await resolve(req, rule);
  const named = rule.team === "personal" ? null : namedTeam(req, params);
  if (principal.kind === "user") {
    principal.teamId = named ?? personalTeamId(principal.uid);
    principal.role = await roleIn(principal.teamId, principal.uid, principal.email, new Date());
    assertRole(principal.role, rule.role ?? (req.method === "GET" ? "viewer" : "member"));
  } else if (principal.kind !== "controlPlane" && named !== null && named !== principal.teamId) {
    // A key acts for its own team only; another team's resources do not exist for it.
    throw noSuchTeam();
  }
  return principal as PrincipalFor<R>;
}

async function resolve(
  req: Request,
  rule: Exclude<AuthRule, { public: true }>,
): Promise<Principal> {
  const token = presentedToken(req, rule.apiKeyHeader === true);
  if (token === null) throw new Unauthenticated("UNAUTHENTICATED", "Send credentials as Authorization: Bearer <token>.");
  const accepts = (kind: PrincipalKind) => rule.accept.includes(kind);

  const credential = splitCredentialToken(token);
  if (credential !== null) {
    if (!accepts("runner") && !accepts("apiKey")) {
      throw new Unauthenticated("WRONG_CREDENTIAL", "This route does not take a runner or API key.");
    }
    const principal = await verifyCredential(credential.credentialId, credential.secret);
    if (!accepts(principal.kind)) {
      throw new Unauthenticated("WRONG_CREDENTIAL", `This route does not take a ${principal.kind === "runner" ? "runner key" : "API key"}.`);
    }
    if (principal.kind === "apiKey" && rule.scope !== undefined && !principal.scopes.includes(rule.scope)) {
      throw new PermissionDenied("MISSING_SCOPE", `This key lacks the ${rule.scope} scope.`);
    }
    return principal;
  }

  if (accepts("controlPlane")) return verifyControlPlaneToken(token, req);
  if (accepts("user")) return verifyUser(token);
  throw new Unauthenticated("WRONG_CREDENTIAL", "This route takes a runner or API key, not this token.");
}

function presentedToken(req: Request, allowApiKeyHeader: boolean): string | null {
  const header = req.headers.authorization;
  if (typeof header === "string") {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    return match?.[1] ?? null;
  }
  const apiKey = req.headers["x-api-key"];
  if (allowApiKeyHeader && typeof apiKey === "string" && apiKey.length > 0) return apiKey.trim();
  return null;
}

async function verifyUser(token: string): Promise<UserPrincipal> {
  let decoded: { uid: string; email?: string };
  try {
    decoded = await getAuth(adminApp()).verifyIdToken(token);
  } catch {
    throw new Unauthenticated("INVALID_ID_TOKEN", "The Firebase ID token is invalid or expired.");
  }
  let admin: Promise<boolean> | undefined;
  return {
    kind: "user",
    uid: decoded.uid,
    email: decoded.email ?? null,
    // Filled in by `authenticate` once the team is resolved.
    teamId: "",
    role: "viewer",
    isAdmin: () => {
      admin ??= db()
        .collection(COLLECTIONS.admins)
        .doc(decoded.uid)
        .get()
        .then((snap) => snap.exists);
      return admin;
    },
  };
}

/** One document read per call, so a revocation takes effect on the very next request. */
async function verifyCredential(credentialId: string, secret: string): Promise<RunnerPrincipal | ApiKeyPrincipal> {
  const snap = (await db().collection(COLLECTIONS.credentials).doc(credentialId).get()) as DocumentSnapshot<CredentialDoc>;
  const doc = snap.data();
  // Same answer for unknown, wrong secret and revoked: the caller learns nothing about ids.
  if (doc === undefined || !secretMatches(secret, doc.secretHash)) {
    throw new Unauthenticated("INVALID_CREDENTIAL", "The key is not valid.");
  }
  if (doc.revokedAt !== null) throw new Unauthenticated("REVOKED_CREDENTIAL", "The key has been revoked.");
  await touchLastUsed(snap);
  const teamId = doc.teamId ?? (await adoptIntoPersonalTeam(snap));
  if (doc.kind === "runner") {
    return {
      kind: "runner",
      credentialId,
      instanceId: doc.instanceId ?? credentialId,
      ownerUid: doc.ownerUid,
      teamId,
      pool: doc.pool ?? "user",
    };
  }
  return { kind: "apiKey", credentialId, ownerUid: doc.ownerUid, teamId, scopes: doc.scopes ?? [] };
}

/**
 * A credential from before teams belongs to its owner's personal team: make sure that team exists
 * (which stamps the owner's old records) and stamp this credential, once. Coderunner tenant keys
 * have no person behind them: the tenant pseudo-owner stands for the team.
 */
async function adoptIntoPersonalTeam(snap: DocumentSnapshot<CredentialDoc>): Promise<string> {
  const ownerUid = snap.data()?.ownerUid ?? "";
  if (isTenantOwner(ownerUid)) return ownerUid;
  await ensurePersonalTeam(ownerUid, null, new Date());
  const teamId = personalTeamId(ownerUid);
  await snap.ref.update({ teamId });
  return teamId;
}

async function touchLastUsed(snap: DocumentSnapshot<CredentialDoc>): Promise<void> {
  const lastUsed = snap.data()?.lastUsedAt?.toMillis() ?? 0;
  const now = Date.now();
  if (now - lastUsed < LAST_USED_GRANULARITY_MS || snap.updateTime === undefined) return;
  // Conditional on the version we read: of many concurrent calls, one writes and the rest skip.
  await snap.ref
    .update({ lastUsedAt: Timestamp.fromMillis(now) }, { lastUpdateTime: snap.updateTime })
    .catch(() => undefined);
}
