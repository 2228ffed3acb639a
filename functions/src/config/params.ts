import { defineInt, defineSecret, defineString } from "firebase-functions/params";

/**
 * Configuration through the params module. Values are read inside handlers (`.value()`), never at
 * module load, and never logged. Locally they come from `functions/.env.local`, which `npm start`
 * writes outside git.
 */

/** PEM (SPKI) public key that verifies Control Plane JWTs (seed 000). Literal `\n` allowed. */
export const CONTROL_PLANE_PUBLIC_KEY = defineString("CONTROL_PLANE_PUBLIC_KEY", {
  default: "",
  description:
    "PEM (SPKI) public key that verifies Control Plane JWTs (seed 000). Escaped newlines (backslash n) allowed.",
});
/** Alternative to the PEM: a JWKS URL holding the Control Plane's RS256 keys. */
export const CONTROL_PLANE_JWKS_URL = defineString("CONTROL_PLANE_JWKS_URL", {
  default: "",
  description: "Alternative to the PEM: a JWKS URL holding the Control Plane's RS256 keys.",
});
/** Expected `iss` of Control Plane JWTs. Required outside the emulator (unchecked there when empty). */
export const CONTROL_PLANE_ISSUER = defineString("CONTROL_PLANE_ISSUER", {
  default: "",
  description: "Expected iss of Control Plane JWTs. Required outside the emulator (unchecked there when empty).",
});
/** Expected `aud` of Control Plane JWTs. Required outside the emulator (unchecked there when empty). */
export const CONTROL_PLANE_AUDIENCE = defineString("CONTROL_PLANE_AUDIENCE", {
  default: "",
  description: "Expected aud of Control Plane JWTs. Required outside the emulator (unchecked there when empty).",
});
/** Oldest a Control Plane JWT may be (seconds since its required `iat`), whatever its `exp` says. */
export const CONTROL_PLANE_MAX_TOKEN_AGE_SECONDS = defineInt("CONTROL_PLANE_MAX_TOKEN_AGE_SECONDS", {
  default: 60 * 60,
  description: "Oldest a Control Plane JWT may be (seconds since its required iat), whatever its exp says.",
});

/**
 * How long one instance trusts its last look at a key owner's Auth account (disabled, deleted).
 * Keys of a disabled or deleted user stop working within this long; 1 means every call looks.
 */
export const OWNER_STATUS_CACHE_MS = defineInt("OWNER_STATUS_CACHE_MS", {
  default: 10 * 1000,
  description:
    "How long one instance trusts its last look at a key owner's Auth account (disabled, deleted). Keys of a disabled or deleted user stop working within this long; 1 means every call looks.",
});

/** Lease length for workspace jobs (seed 001: the public runner heartbeats every 2 minutes). */
export const WORKSPACE_LEASE_MS = defineInt("WORKSPACE_LEASE_MS", {
  default: 10 * 60 * 1000,
  description: "Lease length for workspace jobs (seed 001: the public runner heartbeats every 2 minutes).",
});
/** Lease length for jobs-API, review and execution jobs. */
export const JOB_LEASE_MS = defineInt("JOB_LEASE_MS", {
  default: 5 * 60 * 1000,
  description: "Lease length for jobs-API, review and execution jobs.",
});
/** Longest a jobs-API SSE response stays open before it closes and the client reconnects (Hosting cuts at 60 s). */
export const JOB_STREAM_MAX_MS = defineInt("JOB_STREAM_MAX_MS", {
  default: 55 * 1000,
  description:
    "Longest a jobs-API SSE response stays open before it closes and the client reconnects (Hosting cuts at 60 s).",
});
/** Default wait before a jobs-API or fleet job's first retry; doubles per attempt up to RETRY_BACKOFF_MAX_MS. */
export const RETRY_BACKOFF_MS = defineInt("RETRY_BACKOFF_MS", {
  default: 10 * 1000,
  description:
    "Default wait before a jobs-API or fleet job's first retry (a lapsed lease, or a fail with retry); doubles per attempt, jittered. Under 1000 the job comes straight back.",
});
/** Default cap on that doubling wait. */
export const RETRY_BACKOFF_MAX_MS = defineInt("RETRY_BACKOFF_MAX_MS", {
  default: 10 * 60 * 1000,
  description: "Default cap on the doubling retry wait of jobs-API and fleet jobs.",
});
/** A runner silent for this long is marked offline and its leases released. */
export const RUNNER_OFFLINE_AFTER_MS = defineInt("RUNNER_OFFLINE_AFTER_MS", {
  default: 2 * 60 * 1000,
  description: "A runner silent for this long is marked offline and its leases released.",
});
/** A registration offline for this long is deleted. */
export const RUNNER_DELETE_AFTER_MS = defineInt("RUNNER_DELETE_AFTER_MS", {
  default: 7 * 24 * 60 * 60 * 1000,
  description: "A registration offline for this long is deleted.",
});

/** Reads an int param, falling back to its default when the runtime has no value (unit tests). */
export function intParam(param: ReturnType<typeof defineInt>, fallback: number): number {
  try {
    const value = param.value();
    return Number.isFinite(value) && value > 0 ? value : fallback;
  } catch {
    return fallback;
  }
}

/** Most instances of any one function (a global option: bounds cost and Firestore load under a burst). */
export const MAX_INSTANCES = defineInt("MAX_INSTANCES", {
  default: 20,
  description: "Most instances of any one function (global option): bounds cost and Firestore load under a burst.",
});

/** Days a finished job, its log lines and its artifacts are kept before Firestore's TTL deletes them. */
export const RETENTION_DAYS = defineInt("RETENTION_DAYS", {
  default: 30,
  description: "Days a finished job, its log lines and its artifacts are kept before Firestore TTL deletes them.",
});

/**
 * Blob backend: `storage` (Cloud Storage, production), `firestore` (the offline chunk store), or
 * `local` (the Storage emulator when one runs, else the chunk store: what the committed
 * `functions/.env.demo-runnerplane` sets for every local run).
 */
export const BLOB_STORE = defineString("BLOB_STORE", {
  default: "storage",
  description:
    "Where blobs live: storage (Cloud Storage), firestore (chunk store), local (Storage emulator if running, else chunk store)",
});

/**
 * Firebase Web API key for `POST /auth/login` and `/auth/refresh` (password sign-in through
 * Firebase Auth's REST API). Unused against the Auth emulator, which takes any key.
 */
export const WEB_API_KEY = defineString("WEB_API_KEY", {
  default: "",
  description:
    "Firebase Web API key for POST /auth/login and /auth/refresh (password sign-in); unused against the Auth emulator.",
});

// Quotas (docs/quotas.md). Each is a ceiling per team (or Coderunner tenant, or caller) that a
// create past it answers 429 with Retry-After. An operator may raise or lower one scope's limit
// with a `limit` field on its `quotas/{quota}:{scope}` document.

/** Most PENDING jobs of one team (jobs API, fleet tasks, workspace jobs) or one Coderunner tenant (executions). */
export const MAX_PENDING_JOBS = defineInt("MAX_PENDING_JOBS", {
  default: 1000,
  description:
    "Most queued (PENDING) jobs of one team across jobs API, fleet tasks and workspace jobs, or of one Coderunner tenant (executions). Past it, creates answer 429.",
});
/** Most active (unrevoked) keys of one team: API keys, runner instances, team runner tokens, tenant runner keys. */
export const MAX_KEYS = defineInt("MAX_KEYS", {
  default: 200,
  description:
    "Most active (unrevoked) credentials of one team: API keys, runner instances, team runner tokens, Coderunner tenant runner keys. Past it, minting answers 429.",
});
/** Most registered fleet runners of one team. */
export const MAX_RUNNERS = defineInt("MAX_RUNNERS", {
  default: 1000,
  description: "Most registered fleet runners of one team. Past it, a new registration answers 429.",
});
/** Most workspaces of one team. */
export const MAX_WORKSPACES = defineInt("MAX_WORKSPACES", {
  default: 1000,
  description: "Most workspaces of one team. Past it, creating one answers 429.",
});
/** Most log lines one job may store (jobs API job logs, fleet task logs). */
export const MAX_LOG_LINES_PER_JOB = defineInt("MAX_LOG_LINES_PER_JOB", {
  default: 100_000,
  description:
    "Most log lines one job stores (jobs API logs, fleet task logs). An append past it answers 429 and stores nothing.",
});
/** Most SSE streams one caller (a user or a key) may hold open at once. */
export const MAX_OPEN_STREAMS = defineInt("MAX_OPEN_STREAMS", {
  default: 20,
  description: "Most SSE streams (GET /jobs/:id/stream) one caller (a user or a key) holds open at once. Past it, 429.",
});
/** Most webhook deliveries per team per minute (the limiter in core/quotas/rateLimit.ts). */
export const WEBHOOK_DELIVERIES_PER_MINUTE = defineInt("WEBHOOK_DELIVERIES_PER_MINUTE", {
  default: 600,
  description: "Most webhook deliveries one team receives per minute (fixed one-minute windows). Past it, 429.",
});

/** A blob put more recently than this is never swept, referenced or not (its record may still be on its way). */
export const BLOB_SWEEP_GRACE_MS = defineInt("BLOB_SWEEP_GRACE_MS", {
  default: 24 * 60 * 60 * 1000,
  description:
    "The orphaned-blob sweep keeps any blob put more recently than this (ms), referenced or not: its record may still be on its way.",
});
/** Blobs the orphaned-blob sweep looks at per run (each costs five one-match queries). */
export const BLOB_SWEEP_BATCH = defineInt("BLOB_SWEEP_BATCH", {
  default: 500,
  description:
    "Blobs the hourly orphaned-blob sweep examines per run (each costs five one-match queries); a cursor carries on.",
});

/**
 * Master key that seals webhook secrets at rest (AES-256-GCM; the key is SHA-256 of this value,
 * which must be at least 32 characters: e.g. `openssl rand -base64 32`). A Secret Manager secret in
 * production; the local stack writes a dev value to `functions/.secret.local`. Losing it makes
 * every configured webhook secret unreadable (rotate them); leaking it with a database copy
 * reveals them.
 */
export const WEBHOOK_SECRET_KEY = defineSecret("WEBHOOK_SECRET_KEY");

/** A runner whose last lease or heartbeat (with its offer) is older than this no longer answers intake or rpc routes. */
export const RUNNER_PRESENCE_MS = defineInt("RUNNER_PRESENCE_MS", {
  default: 60 * 1000,
  description:
    "A runner whose last jobs-API lease or heartbeat is older than this is no longer counted as online for the intake chat and the rpc routes (/plugins, /test).",
});
/** How long an rpc route (`/plugins/*`, `/test/*`) waits for a runner's answer before 504 with the job id. */
export const RPC_WAIT_MS = defineInt("RPC_WAIT_MS", {
  default: 25 * 1000,
  description:
    "How long an rpc route (/plugins/*, /test/*) waits for a runner's answer before answering 504 with the job id to poll.",
});
/** How long an intake turn may wait for a runner with `llm` to lease it before it is cancelled (error `no-llm`). */
export const INTAKE_LEASE_WAIT_MS = defineInt("INTAKE_LEASE_WAIT_MS", {
  default: 15 * 1000,
  description:
    "How long an intake chat turn may wait for an online runner with llm to take it before it is cancelled and the stream ends with error reason no-llm.",
});
/** Longest an intake SSE response stays open (Hosting cuts at 60 s); the turn ends with error `timeout` past it. */
export const INTAKE_STREAM_MAX_MS = defineInt("INTAKE_STREAM_MAX_MS", {
  default: 55 * 1000,
  description:
    "Longest an intake chat SSE response stays open (Hosting cuts at 60 s); past it the stream ends with error reason timeout (the turn's job is cancelled).",
});
