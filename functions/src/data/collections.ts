import type { Timestamp } from "firebase-admin/firestore";

/** Collection names, in one place. Field-by-field docs sit beside each document type. */
export const COLLECTIONS = {
  credentials: "credentials",
  admins: "admins",
  runners: "runners",
  jobs: "jobs",
  workspaces: "workspaces",
  counters: "counters",
  // Queue metrics: what retention-deleted jobs left in the counters; see data/metrics.ts.
  metricTallies: "metricTallies",
  blobs: "blobs",
  // Quota locks, per-scope limit overrides, open-stream slots, rate windows: see data/quotas.ts.
  quotas: "quotas",
  // Teams: see data/teams.ts.
  teams: "teams",
  members: "members",
  invitations: "invitations",
  loginAttempts: "loginAttempts",
  // Routes a runner answers (intake chat, rpc): see data/runnerAsks.ts.
  runnerPresence: "runnerPresence",
  intakeSessions: "intakeSessions",
  tokens: "tokens",
  // Seed 000 (Coderunner): see data/code.ts.
  definitions: "definitions",
  versions: "versions",
  deployments: "deployments",
  apps: "apps",
} as const;

export type Scope = "runners:read" | "runners:write" | "jobs:read" | "jobs:write";
export const SCOPES: readonly Scope[] = ["runners:read", "runners:write", "jobs:read", "jobs:write"];

export type RunnerPool = "user" | "global";

/** `credentials/{credentialId}`: a machine credential. The token handed out once is `credentialId.secret`. */
export interface CredentialDoc {
  /** `runner`: a seed 001 runner instance; `apiKey`: a scoped key for the other faces. */
  kind: "runner" | "apiKey";
  /** Runner instances only: the seed 001 instance id (distinct from the credential id). */
  instanceId?: string;
  /** Runner instances only: which pool the instance leases from. */
  pool?: RunnerPool;
  /** API keys only: what the key may do. */
  scopes?: Scope[];
  /** API keys minted as a team's runner token (`POST /teams/:teamId/runner-tokens`). */
  runnerToken?: boolean;
  /** Human label shown in the Studio. */
  name: string;
  /** Firebase uid of the user who created it (Coderunner tenant keys: `coderunner-tenant:<id>`). */
  ownerUid: string;
  /**
   * The team the credential acts for (for tenant keys, the same pseudo-owner as `ownerUid`).
   * Absent on credentials from before teams: they belong to `ownerUid`'s personal team.
   */
  teamId?: string;
  /** Hex SHA-256 of the secret. The secret has 256 random bits, so a fast hash is enough. */
  secretHash: string;
  /** When it was created. */
  createdAt: Timestamp;
  /** When it was revoked; null while active. */
  revokedAt: Timestamp | null;
  /** Last successful authentication, written at most once a minute. */
  lastUsedAt: Timestamp | null;
}
