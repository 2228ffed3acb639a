/** The answers the Studio reads, as the routes in README.md return them. */
import type { DeliverableView } from "./deliverables/types";

/** `GET /api/runner-instances` → `{ instances }` (seed 001 runner keys, no secrets). */
export interface RunnerInstance {
  credentialId: string;
  instanceId?: string;
  kind: "runner";
  pool?: "user" | "global";
  name: string;
  createdAt: string;
  revokedAt: string | null;
  lastUsedAt: string | null;
}

/** `POST /createRunnerInstance` → 201; `runnerToken` is shown once. */
export interface CreatedInstance {
  instanceId: string;
  credentialId: string;
  runnerToken: string;
  kind: "user" | "global";
  name: string;
}

export type Scope = "runners:read" | "runners:write" | "jobs:read" | "jobs:write";
export const SCOPES: readonly Scope[] = ["runners:read", "runners:write", "jobs:read", "jobs:write"];

/** `GET /api/keys` → `{ keys }`. */
export interface ApiKey {
  credentialId: string;
  kind: "apiKey";
  scopes?: Scope[];
  name: string;
  createdAt: string;
  revokedAt: string | null;
  lastUsedAt: string | null;
}

/** `POST /api/keys` → 201; `key` is shown once. */
export interface CreatedKey {
  keyId: string;
  key: string;
  name: string;
  scopes: Scope[];
  createdAt: string;
}

/** Seed 004 `GET /api/runners` → `{ data: FleetRunner[] }`. */
export interface FleetRunner {
  id: string;
  seq?: number;
  name: string;
  version: string;
  os?: string;
  arch?: string;
  tags: string[];
  maxConcurrency: number;
  status: "online" | "busy" | "offline";
  /** What its last heartbeat said it was running (seed 004 reads back what the runner sent). */
  currentJobs: number;
  /** The same, kept for older clients. */
  reportedJobs?: number;
  /** Tasks it holds now, by the server's count (absent from older servers). */
  heldJobs?: number;
  lastHeartbeatAt: string | null;
  offlineAt?: string | null;
  createdAt: string | null;
}

export type JobStatus = "PENDING" | "LEASED" | "RUNNING" | "PAUSED" | "SUCCEEDED" | "FAILED" | "CANCELLED";
export const JOB_STATUSES: readonly JobStatus[] = [
  "PENDING",
  "LEASED",
  "RUNNING",
  "PAUSED",
  "SUCCEEDED",
  "FAILED",
  "CANCELLED",
];
export const FINAL_STATUSES: readonly JobStatus[] = ["SUCCEEDED", "FAILED", "CANCELLED"];

/** Seed 002 list entry (`GET /jobs` → `{ jobs, nextCursor }`). */
export interface JobSummary {
  id: string;
  type: string;
  workflowPath: string;
  status: JobStatus;
  tags: string[];
  priority: number;
  attempts: number;
  parentId: string | null;
  childName: string | null;
  error: string | null;
  createdAt: string | null;
  updatedAt: string | null;
  startedAt: string | null;
  finishedAt: string | null;
}

export interface JobArtifact {
  id: string;
  name: string;
  contentType: string;
  size: number;
  createdAt: string | null;
  contentUrl: string;
}

/** Seed 002 `GET /jobs/:id`. */
export interface JobSnapshot extends JobSummary {
  params: Record<string, unknown>;
  maxAttempts: number;
  lease: { runnerId: string; leasedAt: string | null; expiresAt: string | null } | null;
  control: { cancelRequested?: boolean; pauseRequested?: boolean } | null;
  logSeq: number;
  messages: { posted: number; delivered: number };
  children: { name: string; jobId: string; status: JobStatus | null; outcome: string | null }[];
  artifacts: JobArtifact[];
  result: Record<string, unknown> | null;
}

export interface WorkspaceSummary {
  id: string;
  title: string;
  idea: string | null;
  messageCount: number;
  activeJobId: string | null;
  lastJobId: string | null;
  lastJobStatus: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface WorkspaceJob {
  id: string;
  status: JobStatus;
  target: "user" | "global";
  attempts: number;
  leaseHolder: string | null;
  leaseExpiresAt: number | null;
  error: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

export interface WorkspaceMessage {
  id: string;
  role: "user" | "assistant";
  text: string;
  subtitle?: string | null;
  createdAt: string;
  deliverables: DeliverableView[];
}

/** `GET /api/workspaces/:id`. */
export interface WorkspaceView {
  workspace: WorkspaceSummary;
  messages: WorkspaceMessage[];
  job: WorkspaceJob | null;
}

/** Seed 000 version statuses: 1 Pending, 2 Processing, 3 Completed, 4 Failed. */
export type CodeVersionStatusName = "Pending" | "Processing" | "Completed" | "Failed";

/** A version as the Coderunner face answers it (fields the Studio reads). */
export interface CodeVersion {
  id: string;
  number: number;
  description: string;
  status: 1 | 2 | 3 | 4;
  statusName: CodeVersionStatusName;
  /** Why the archive was refused (Failed); null otherwise. */
  failureReason: string | null;
  entryPoint: string | null;
  fileCount: number | null;
  bundle: { sha256: string; size: number };
  deploymentIds: string[];
  createdAt: string | null;
}

export interface CodeDeployment {
  id: string;
  versionId: string;
  deploymentTypeName: string;
  status: "active" | "superseded";
  entryPoint: string;
  configuration: { cpu: string; memory: string; cronExpression: string | null; externalEndpoint: string };
  schedule: { nextFireAt: string | null; lastFiredSlot: string | null } | null;
  createdAt: string | null;
}

export interface CodeDefinition {
  id: string;
  name: string;
  description: string;
  deploymentTypeName: string;
  languageTypeName: string;
  versionCount: number;
  activeDeploymentId: string | null;
  createdAt: string | null;
  /** The newest versions and deployments (at most 10 of each). */
  versions: CodeVersion[];
  deployments: CodeDeployment[];
}

export interface CodeExecution {
  executionId: string;
  status: JobStatus;
  deploymentId: string;
  definitionId: string;
  versionId: string;
  trigger: "onetime" | "endpoint" | "schedule";
  exitCode: number | null;
  error: string | null;
  createdAt: string | null;
  startedAt: string | null;
  finishedAt: string | null;
}

/** `GET /api/coderunner/overview` → the envelope's `data`. */
export interface CodeOverview {
  tenantId: string;
  definitions: CodeDefinition[];
  moreDefinitions: boolean;
  executions: CodeExecution[];
  moreExecutions: boolean;
}

export type TeamRole = "owner" | "admin" | "member" | "viewer";

/** `GET /teams` entries. */
export interface TeamSummary {
  teamId: string;
  name: string;
  personal: boolean;
  role: TeamRole;
  createdAt: string;
}

export interface TeamMember {
  uid: string;
  email: string | null;
  role: TeamRole;
  joinedAt: string;
}

export interface TeamInvitation {
  invitationId: string;
  teamId: string;
  email: string;
  role: TeamRole;
  status: "pending" | "accepted" | "revoked" | "expired";
  createdAt: string;
  expiresAt: string;
}

export interface RunnerTokenView {
  tokenId: string;
  name: string;
  scopes?: string[];
  createdAt: string;
  revokedAt: string | null;
  lastUsedAt: string | null;
}

/** `GET /teams/:teamId/runners` entries. */
export interface TeamRunner {
  face: "fleet" | "jobs" | "workspace";
  runnerId: string;
  name: string;
  status: string;
  lastHeartbeatAt: string | null;
  currentJobs: string[];
  labels: string[];
  version: string | null;
}

/** `GET /teams/:teamId/webhooks` → `{ webhooks }` (no secrets). */
export interface WebhookView {
  pluginId: string;
  /** The ingress path to give the provider (`/webhook/:teamId/:pluginId`). */
  url: string;
  algorithm: "sha256" | "sha1" | "token";
  format: "prefixed" | "hex" | "timestamped" | "token";
  header: string;
  deliveryIdHeader: string | null;
  secretCreatedAt: string;
  createdAt: string;
}

/** `GET /teams/:teamId/webhooks/:pluginId/deliveries` → `{ deliveries }`, newest first. */
export interface WebhookDelivery {
  id: string;
  outcome: "accepted" | "refused";
  verified: boolean;
  reason: string | null;
  deliveryId: string | null;
  jobId: string | null;
  redeliveryOf: string | null;
  bodyBytes: number;
  receivedAt: string;
}

/** `GET /jobs/:jobId/insights` → `{ insights }`. */
export interface InsightView {
  insightId: string;
  jobId: string;
  phase: string;
  category: string;
  summary: string;
  detail: string;
  suggestion: string | null;
  status: "pending" | "approved" | "rejected";
  createdBy: string;
  createdAt: string;
  editedBy: string | null;
  editedAt: string | null;
  decidedBy: string | null;
  decidedAt: string | null;
}

/** `GET /proposals` → `{ proposals }`; `GET /proposals/:id` adds `content` or `patch`. */
export interface ProposalView {
  proposalId: string;
  kind: "intelligence";
  layer: string;
  path: string;
  change: "content" | "patch";
  baseVersion: number | null;
  rationale: string;
  sourceJobId: string;
  proposedBy: string;
  status: "pending" | "approved" | "rejected";
  createdAt: string;
  decidedBy: string | null;
  decidedAt: string | null;
  note: string | null;
  appliedVersion: number | null;
  content?: string | null;
  patch?: string | null;
}
