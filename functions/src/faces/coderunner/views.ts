import type { Timestamp } from "firebase-admin/firestore";
import type { Request } from "firebase-functions/v2/https";
import { executionPayloadOf } from "../../core/code/executionJob";
import { DEPLOYMENT_TYPES, LANGUAGE_TYPES, nameOf, VERSION_STATUSES } from "../../core/code/model";
import type { ClaimedJob } from "../../core/jobs/claimJobs";
import type { JobDoc } from "../../core/jobs/model";
import type { TenantOverview } from "../../core/code/readOverview";
import type { DefinitionDoc, DeploymentDoc, VersionDoc } from "../../data/code";
import type { LeasedExecution } from "../../../../contract/src/coderunner";

/** Response shapes of the Coderunner face: seed enums as numbers with their names beside them. */

const iso = (at: Timestamp | null) => at?.toDate().toISOString() ?? null;

export function versionView(id: string, v: VersionDoc) {
  return {
    id,
    versionId: id,
    definitionId: v.definitionId,
    number: v.number,
    description: v.description,
    status: v.status,
    statusName: nameOf(VERSION_STATUSES, v.status),
    failureReason: v.failureReason,
    entryPoint: v.entryPoint,
    fileCount: v.fileCount,
    uncompressedBytes: v.uncompressedBytes,
    bundle: { sha256: v.bundle.sha256, size: v.bundle.size },
    deploymentIds: v.deploymentIds,
    transitions: v.transitions.map((t) => ({
      status: t.status,
      statusName: nameOf(VERSION_STATUSES, t.status),
      at: iso(t.at),
      reason: t.reason,
    })),
    createdAt: iso(v.createdAt),
    updatedAt: iso(v.updatedAt),
  };
}

/** Where this deployment is invoked: `POST` it with `{ payload }`. */
export function invokeUrl(req: Request, deploymentId: string): string {
  return `${publicBase(req)}/api/invoke/${encodeURIComponent(deploymentId)}`;
}

const HOST_PATTERN = /^[A-Za-z0-9.-]+(?::\d{1,5})?$/;

/**
 * The public API base as the caller reached it: Hosting (and most proxies) put the public host in
 * `x-forwarded-host`. Only well-formed values are used, and the URL is computed per response,
 * never stored, so a forged header misleads nobody but its sender.
 */
export function publicBase(req: Request): string {
  const host =
    [firstValue(req.headers["x-forwarded-host"]), firstValue(req.headers.host)].find(
      (h) => h !== null && HOST_PATTERN.test(h),
    ) ?? "127.0.0.1";
  const forwardedProto = firstValue(req.headers["x-forwarded-proto"]);
  const proto =
    forwardedProto === "https" || forwardedProto === "http"
      ? forwardedProto
      : req.protocol === "https"
        ? "https"
        : "http";
  return `${proto}://${host}`;
}

function firstValue(header: string | string[] | undefined): string | null {
  const value = Array.isArray(header) ? header[0] : header;
  const first = value?.split(",")[0]?.trim();
  return first === undefined || first.length === 0 ? null : first;
}

export function deploymentView(req: Request, id: string, d: DeploymentDoc) {
  return {
    id,
    deploymentId: id,
    definitionId: d.definitionId,
    versionId: d.versionId,
    deploymentType: d.deploymentType,
    deploymentTypeName: nameOf(DEPLOYMENT_TYPES, d.deploymentType),
    languageType: d.languageType,
    languageTypeName: nameOf(LANGUAGE_TYPES, d.languageType),
    status: d.status,
    entryPoint: d.entryPoint,
    configuration: {
      cpu: d.configuration.cpu,
      memory: d.configuration.memory,
      cronExpression: d.configuration.cronExpression,
      externalEndpoint: invokeUrl(req, id),
    },
    schedule:
      d.configuration.cronExpression === null
        ? null
        : { nextFireAt: iso(d.nextFireAt), lastFiredSlot: iso(d.lastFiredSlot) },
    createdAt: iso(d.createdAt),
    updatedAt: iso(d.updatedAt),
  };
}

function parseJson(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

type StoredResult = { exitCode?: number; output?: string; resultJson?: string | null } | null;

/** What every execution answer carries: where it came from, its state and its times. */
function executionFacts(id: string, job: JobDoc) {
  const payload = executionPayloadOf(job);
  return {
    executionId: id,
    jobName: id,
    status: job.status,
    deploymentId: payload.deploymentId,
    definitionId: payload.definitionId,
    versionId: payload.versionId,
    trigger: payload.trigger,
    slot: payload.slot,
    attempts: job.attempts,
    error: job.error,
    createdAt: iso(job.createdAt),
    startedAt: iso(job.startedAt),
    finishedAt: iso(job.finishedAt),
  };
}

/** `GET /api/execution/{id}`: `executionId` is what Control Plane stores as `last_job_name`. */
export function executionView(id: string, job: JobDoc) {
  const result = job.result as StoredResult;
  return {
    ...executionFacts(id, job),
    result:
      result === null
        ? null
        : {
            exitCode: result.exitCode ?? null,
            output: result.output ?? "",
            result: parseJson(result.resultJson ?? null),
          },
  };
}

/** An execution in a listing: its facts and exit code, without its output and result (up to 256 KiB each). */
export function executionSummaryView(id: string, job: JobDoc) {
  const result = job.result as StoredResult;
  return { ...executionFacts(id, job), exitCode: result?.exitCode ?? null };
}

export function definitionView(id: string, d: DefinitionDoc) {
  return {
    id,
    name: d.name,
    description: d.description,
    deploymentType: d.deploymentType,
    deploymentTypeName: nameOf(DEPLOYMENT_TYPES, d.deploymentType),
    languageType: d.languageType,
    languageTypeName: nameOf(LANGUAGE_TYPES, d.languageType),
    versionCount: d.versionCount,
    activeDeploymentId: d.activeDeploymentId,
    createdBy: d.createdBy,
    createdAt: iso(d.createdAt),
    updatedAt: iso(d.updatedAt),
  };
}

/** `GET /api/coderunner/overview`: the tenant's definitions with their versions and deployments, and recent executions. */
export function overviewView(req: Request, tenantId: string, overview: TenantOverview) {
  return {
    tenantId,
    definitions: overview.definitions.map((d) => ({
      ...definitionView(d.id, d.doc),
      versions: d.versions.map((v) => versionView(v.id, v.doc)),
      deployments: d.deployments.map((dep) => deploymentView(req, dep.id, dep.doc)),
    })),
    moreDefinitions: overview.moreDefinitions,
    executions: overview.executions.map((e) => executionSummaryView(e.id, e.doc)),
    moreExecutions: overview.moreExecutions,
  };
}

/** What a runner gets per leased execution. */
export function leasedExecutionView(claimed: ClaimedJob): LeasedExecution {
  const payload = executionPayloadOf(claimed.job);
  return {
    executionId: claimed.id,
    leaseToken: claimed.lease.token,
    leaseExpiresAt: claimed.lease.expiresAt.toMillis(),
    deploymentId: payload.deploymentId,
    versionId: payload.versionId,
    languageType: payload.languageType,
    language: nameOf(LANGUAGE_TYPES, payload.languageType),
    entryPoint: payload.entryPoint,
    limits: payload.limits,
    payload: parseJson(payload.inputJson),
    trigger: payload.trigger,
    slot: payload.slot,
    bundle: {
      sha256: payload.bundle.sha256,
      size: payload.bundle.size,
      path: `/api/coderunner/executions/${encodeURIComponent(claimed.id)}/bundle`,
    },
  };
}
