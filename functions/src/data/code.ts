import type { CollectionReference, Query, Timestamp } from "firebase-admin/firestore";
import type { BlobRef } from "./blobs";
import type { DeploymentType, LanguageType, VersionStatus } from "../../../contract/src/code";
import { COLLECTIONS } from "./collections";
import { db } from "./firestore";

/** `definitions/{definitionId}`: seed 000's code definition, owned by one tenant. */
export interface DefinitionDoc {
  /** Tenant (seed 000 workspace UUID, the `x-client-key`) that owns it. */
  tenantId: string;
  /** Human label. */
  name: string;
  /** Free text from the caller. */
  description: string;
  /** Seed enum: 1 Function, 2 BackgroundJob, 3 ScheduleJob, 4 Deployment. */
  deploymentType: DeploymentType;
  /** Seed enum: 1 NodeJS, 2 Python, 3 DotNetScript. */
  languageType: LanguageType;
  /** Versions uploaded so far; the next one is numbered `versionCount + 1`. */
  versionCount: number;
  /** The deployment serving this definition now; a new deploy supersedes it. */
  activeDeploymentId: string | null;
  /** `x-userid` of the caller who created it. */
  createdBy: string;
  createdAt: Timestamp;
  updatedAt: Timestamp;
}

/** One stored status change of a version. */
export interface VersionTransition {
  /** The status entered. */
  status: VersionStatus;
  /** When it was entered. */
  at: Timestamp;
  /** Why (failures and recoveries). */
  reason: string | null;
}

/** `versions/{versionId}`: one uploaded ZIP of a definition and what its check found. */
export interface VersionDoc {
  /** Tenant that owns the definition (copied so reads check scope with one document). */
  tenantId: string;
  /** The definition it belongs to. */
  definitionId: string;
  /** 1, 2, 3… within the definition. */
  number: number;
  /** Copied from the definition: decides which entry point the check looks for. */
  languageType: LanguageType;
  /** The upload's `Description` field. */
  description: string;
  /** Seed enum: 1 Pending, 2 Processing, 3 Completed, 4 Failed. */
  status: VersionStatus;
  /** Why the archive was refused (status 4); null otherwise. */
  failureReason: string | null;
  /** The uploaded ZIP in the blob store; runners download these bytes. */
  bundle: BlobRef;
  /** Path inside the archive the runner starts (set when Completed). */
  entryPoint: string | null;
  /** Files in the archive, folders excluded (set when Completed). */
  fileCount: number | null;
  /** Bytes the archive inflates to (set when Completed). */
  uncompressedBytes: number | null;
  /** Active deployments running this version; while any, it cannot be deleted. */
  deploymentIds: string[];
  /** Minted per processing claim; only the current claimant's verdict is written. */
  processingToken: string | null;
  /** Processing claims so far: the inline one plus any recovery after a crash. */
  processingAttempts: number;
  /** While Pending or Processing: when the recovery sweep may take over. Null once settled. */
  processingDeadline: Timestamp | null;
  /** Every status change, oldest first (bounded by the processing attempts cap). */
  transitions: VersionTransition[];
  /** `x-userid` of the uploader. */
  createdBy: string;
  createdAt: Timestamp;
  updatedAt: Timestamp;
}

/** Resources and schedule of a deployment, as given and as parsed. */
export interface DeploymentConfiguration {
  /** As given, e.g. `250m` or `1`. */
  cpu: string;
  /** As given, e.g. `256Mi` or `1Gi`. */
  memory: string;
  /** Five-field cron (UTC); ScheduleJob only, null otherwise. */
  cronExpression: string | null;
  /** `cpu` in millicores, for runners enforcing the limit. */
  cpuMillis: number;
  /** `memory` in MiB, for runners enforcing the limit. */
  memoryMiB: number;
}

export type DeploymentStatus = "active" | "superseded";

/** `deployments/{deploymentId}`: a version deployed with its resources; runs are executions of it. */
export interface DeploymentDoc {
  /** Tenant that owns it. */
  tenantId: string;
  definitionId: string;
  versionId: string;
  /** Copied from the definition. */
  deploymentType: DeploymentType;
  /** Copied from the definition. */
  languageType: LanguageType;
  /** Copied from the version, so an execution is built from this document alone. */
  bundle: BlobRef;
  /** Copied from the version. */
  entryPoint: string;
  configuration: DeploymentConfiguration;
  /** `superseded` once a newer deploy of the same definition replaced it; it no longer runs. */
  status: DeploymentStatus;
  /** Active ScheduleJob only: the first slot not yet fired. The scheduler's range-query field. */
  nextFireAt: Timestamp | null;
  /** ScheduleJob: the latest slot fired; the compare-and-set field that makes a slot fire once. */
  lastFiredSlot: Timestamp | null;
  /** `x-userid` of the caller who deployed it. */
  createdBy: string;
  createdAt: Timestamp;
  updatedAt: Timestamp;
}

/**
 * `apps/{tenantId}~{appSlug}`: the Control Plane proxy's app → Coderunner ids, mirroring
 * Control Plane's `manifest.coderunner`.
 */
export interface AppDoc {
  /** Tenant (the path's `workspace_id`). */
  tenantId: string;
  /** The path's `app_slug`. */
  slug: string;
  /** `definition_id`: made by `…/definition`. */
  definitionId: string;
  /** `version_id`: the latest upload through `…/upload`; the default for `…/deploy`. */
  versionId: string | null;
  /** `deployment_id`: the latest `…/deploy`; what `…/run` runs. */
  deploymentId: string | null;
  createdAt: Timestamp;
  updatedAt: Timestamp;
}

export function definitions(): CollectionReference<DefinitionDoc> {
  return db().collection(COLLECTIONS.definitions) as CollectionReference<DefinitionDoc>;
}

export function versions(): CollectionReference<VersionDoc> {
  return db().collection(COLLECTIONS.versions) as CollectionReference<VersionDoc>;
}

export function deployments(): CollectionReference<DeploymentDoc> {
  return db().collection(COLLECTIONS.deployments) as CollectionReference<DeploymentDoc>;
}

export function apps(): CollectionReference<AppDoc> {
  return db().collection(COLLECTIONS.apps) as CollectionReference<AppDoc>;
}

/** `~` cannot occur in a tenant id or a slug (both checked at the edge), so ids never collide. */
export function appDocId(tenantId: string, slug: string): string {
  return `${tenantId}~${slug}`;
}

/** A definition's versions, newest first. Index: versions (definitionId ASC, number DESC). */
export function versionsOfDefinition(definitionId: string, limit: number): Query<VersionDoc> {
  return versions().where("definitionId", "==", definitionId).orderBy("number", "desc").limit(limit);
}

/** A tenant's definitions, newest first. Index: definitions (tenantId ASC, createdAt DESC). */
export function definitionsOfTenant(tenantId: string, limit: number): Query<DefinitionDoc> {
  return definitions().where("tenantId", "==", tenantId).orderBy("createdAt", "desc").limit(limit);
}

/** A definition's deployments, newest first (active and superseded). Index: deployments (definitionId ASC, createdAt DESC). */
export function deploymentsOfDefinition(definitionId: string, limit: number): Query<DeploymentDoc> {
  return deployments().where("definitionId", "==", definitionId).orderBy("createdAt", "desc").limit(limit);
}

/** Versions whose processing lapsed, oldest first. Index: single-field `processingDeadline` (automatic). */
export function lapsedVersions(now: Timestamp, limit: number): Query<VersionDoc> {
  return versions().where("processingDeadline", "<=", now).orderBy("processingDeadline", "asc").limit(limit);
}

/** ScheduleJob deployments with a slot due, earliest first. Index: single-field `nextFireAt` (automatic). */
export function dueDeployments(now: Timestamp, limit: number): Query<DeploymentDoc> {
  return deployments().where("nextFireAt", "<=", now).orderBy("nextFireAt", "asc").limit(limit);
}
