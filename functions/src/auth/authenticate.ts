import { getAuth } from "firebase-admin/auth";
import { Timestamp, type DocumentReference, type DocumentSnapshot } from "firebase-admin/firestore";
import type { Request } from "firebase-functions/v2/https";
import { tenantOfOwner } from "../core/code/tenant";
import { COLLECTIONS, type CredentialDoc, type RunnerPool, type Scope } from "../data/collections";
import { adminApp, db } from "../data/firestore";
import { dropLiveDoc, liveDoc } from "../data/live";
import type { Role } from "../data/teams";
import { ensurePersonalTeam, personalTeamId } from "../core/teams/ensurePersonalTeam";
import { PermissionDenied, Unauthenticated } from "../http/errors";
import { isTenantOwner } from "../core/code/tenant";
import { verifyControlPlaneToken } from "./controlPlane";
import { ownerStatus } from "./ownerStatus";
import { secretMatches, splitCredentialToken } from "./secrets";
import { assertRole, namedTeam, noSuchTeam, roleIn, type TeamSource } from "./team";

/**
 * `lastUsedAt` is refreshed at most this often, so authentication is not a write per request: a
 * runner waiting on the queue all hour costs six writes for it, not one a minute.
 */
export const LAST_USED_GRANULARITY_MS = 10 * 60_000;

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
/**
 * A Coderunner tenant runner key: an API key whose owner is `coderunner-tenant:<tenantId>`
 * (minted by the Control Plane). Its own kind, so only routes that name it take it.
 */
export interface TenantRunnerPrincipal {
  kind: "tenantRunner";
  credentialId: string;
  tenantId: string;
  scopes: Scope[];
}
export interface ControlPlanePrincipal {
  kind: "controlPlane";
  /** `external_tenant_id` claim = `x-client-key` header (workspace UUID). */
  tenantId: string;
  /** `external_user_id` claim = `x-userid` header. */
  userId: string;
}
export type Principal =
  UserPrincipal | RunnerPrincipal | ApiKeyPrincipal | TenantRunnerPrincipal | ControlPlanePrincipal;
export type PrincipalKind = Principal["kind"];

/**
 * Who may call an endpoint. `scope` applies to API keys; a signed-in user passes scope checks
 * for their own resources (the operations check ownership).
 */
export type AuthRule =
  /**
   * No caller identity. `signed`: the request authenticates itself instead (webhook ingress: its
   * HMAC over the body), so no identity credential gets past it, and without a valid signature
   * every caller is answered 401.
   */
  | { readonly public: true; readonly signed?: true }
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
export async function authenticate<R extends AuthRule>(
  req: Request,
  rule: R,
  params: Record<string, string> = {},
): Promise<PrincipalFor<R>> {
  if ("public" in rule) return null as PrincipalFor<R>;
  const principal = await resolve(req, rule);
  const named = rule.team === "personal" ? null : namedTeam(req, params);
  if (principal.kind === "user") {
    principal.teamId = named ?? personalTeamId(principal.uid);
    principal.role = await roleIn(principal.teamId, principal.uid, principal.email, new Date());
    assertRole(principal.role, rule.role ?? (req.method === "GET" ? "viewer" : "member"));
  } else if (
    principal.kind !== "controlPlane" &&
    principal.kind !== "tenantRunner" &&
    named !== null &&
    named !== principal.teamId
  ) {
    // A key acts for its own team only; another team's resources do not exist for it.
    throw noSuchTeam();
  }
  return principal as PrincipalFor<R>;
}

async function resolve(req: Request, rule: Exclude<AuthRule, { public: true }>): Promise<Principal> {
  const token = presentedToken(req, rule.apiKeyHeader === true);
  if (token === null)
    throw new Unauthenticated("UNAUTHENTICATED", "Send credentials as Authorization: Bearer <token>.");
  const accepts = (kind: PrincipalKind) => rule.accept.includes(kind);

  const credential = splitCredentialToken(token);
  if (credential !== null) {
    if (!accepts("runner") && !accepts("apiKey") && !accepts("tenantRunner")) {
      throw new Unauthenticated("WRONG_CREDENTIAL", "This route does not take a runner or API key.");
    }
    const principal = await verifyCredential(credential.credentialId, credential.secret);
    // Both are scoped API keys: each is known here, but may act only where its kind is named.
    if (principal.kind === "apiKey" && accepts("tenantRunner")) {
      throw new PermissionDenied(
        "NOT_A_TENANT_RUNNER_KEY",
        "This key is not a Coderunner runner key; mint one with POST /api/coderunner/runner-keys.",
      );
    }
    if (principal.kind === "tenantRunner" && !accepts("tenantRunner") && accepts("apiKey")) {
      throw new PermissionDenied(
        "TENANT_RUNNER_KEY",
        "A Coderunner runner key serves only the Coderunner runner routes.",
      );
    }
    if (!accepts(principal.kind)) {
      throw new Unauthenticated(
        "WRONG_CREDENTIAL",
        `This route does not take a ${principal.kind === "runner" ? "runner key" : "API key"}.`,
      );
    }
    if (principal.kind !== "runner" && rule.scope !== undefined && !principal.scopes.includes(rule.scope)) {
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
    // checkRevoked: one Auth lookup per call, so signing out everywhere, disabling or deleting
    // the account ends its ID tokens at once rather than when they expire (up to an hour).
    decoded = await getAuth(adminApp()).verifyIdToken(token, true);
  } catch (error) {
    throw idTokenRefusal(error);
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

/** Firebase Auth's refusal codes, in our words (all 401: the token no longer says who you are). */
function idTokenRefusal(error: unknown): Unauthenticated {
  switch ((error as { code?: unknown }).code) {
    case "auth/id-token-revoked":
      return new Unauthenticated("ID_TOKEN_REVOKED", "This sign-in has been revoked; sign in again.");
    case "auth/user-disabled":
      return new Unauthenticated("USER_DISABLED", "This account is disabled.");
    case "auth/user-not-found":
      return new Unauthenticated("USER_NOT_FOUND", "This account no longer exists.");
    default:
      return new Unauthenticated("INVALID_ID_TOKEN", "The Firebase ID token is invalid or expired.");
  }
}

/**
 * The key's document as this process's listener on it holds it (`liveDoc`): a runner calling every
 * few seconds pays no read per call, and a revocation reaches the listener as it is committed, so
 * it takes effect on the next request (locally, where the offline Firestore sends the change before
 * it answers the revoking commit, exactly so; in production within the listener's delivery time,
 * well under a second). A key of a disabled or deleted user is refused too (its owner's status is
 * looked up, see `ownerStatus`).
 */
async function verifyCredential(
  credentialId: string,
  secret: string,
): Promise<RunnerPrincipal | ApiKeyPrincipal | TenantRunnerPrincipal> {
  const ref = db().collection(COLLECTIONS.credentials).doc(credentialId) as DocumentReference<CredentialDoc>;
  const snap = await liveDoc(ref);
  const doc = snap.data();
  // Same answer for unknown, wrong secret and revoked: the caller learns nothing about ids.
  if (doc === undefined || !secretMatches(secret, doc.secretHash)) {
    dropLiveDoc(ref);
    throw new Unauthenticated("INVALID_CREDENTIAL", "The key is not valid.");
  }
  if (doc.revokedAt !== null) throw new Unauthenticated("REVOKED_CREDENTIAL", "The key has been revoked.");
  const tenantId = tenantOfOwner(doc.ownerUid);
  // Tenant keys belong to no Firebase user; every other key's owner must still be an active user.
  if (tenantId === null && !(await ownerStatus.isActive(doc.ownerUid, Date.now()))) {
    throw new Unauthenticated("OWNER_INACTIVE", "The key's owner account is disabled or deleted.");
  }
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
  if (tenantId !== null) return { kind: "tenantRunner", credentialId, tenantId, scopes: doc.scopes ?? [] };
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
