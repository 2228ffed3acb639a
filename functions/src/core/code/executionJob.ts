import type { DeploymentDoc } from "../../data/code";
import { intParam, JOB_LEASE_MS } from "../../config/params";
import type { BlobRef } from "../blobs/blobStore";
import type { JobDoc } from "../jobs/model";
import { newJobDoc } from "../jobs/newJob";
import { executionQueue, type LanguageType } from "./model";

/** Lease on an execution unless `JOB_LEASE_MS` says otherwise; runners heartbeat well within it. */
export const DEFAULT_EXECUTION_LEASE_MS = 5 * 60 * 1000;

export type ExecutionTrigger = "onetime" | "endpoint" | "schedule";

/** `jobs/{id}.payload` of an execution: everything a runner needs, without another read. */
export interface ExecutionPayload {
  deploymentId: string;
  definitionId: string;
  versionId: string;
  /** The version's ZIP; the runner downloads it through the bundle route. */
  bundle: BlobRef;
  /** Seed enum: 1 NodeJS, 2 Python, 3 DotNetScript. */
  languageType: LanguageType;
  /** Path inside the archive to start. */
  entryPoint: string;
  /** Limits the runner enforces. */
  limits: { cpu: string; memory: string; cpuMillis: number; memoryMiB: number };
  /**
   * The run's `payload`, as JSON text: stored as a string because Firestore cannot hold every
   * JSON value (arrays of arrays), and the runner wants JSON anyway.
   */
  inputJson: string;
  /** What started it. */
  trigger: ExecutionTrigger;
  /** Schedule runs: the cron slot (ISO time) this execution is for. */
  slot: string | null;
  /** `x-userid` of the caller, null for scheduled runs. */
  requestedBy: string | null;
}

export function executionJobDoc(
  jobId: string,
  deploymentId: string,
  deployment: DeploymentDoc,
  run: { inputJson: string; trigger: ExecutionTrigger; slot: Date | null; requestedBy: string | null },
  now: Date,
): JobDoc {
  const payload: ExecutionPayload = {
    deploymentId,
    definitionId: deployment.definitionId,
    versionId: deployment.versionId,
    bundle: deployment.bundle,
    languageType: deployment.languageType,
    entryPoint: deployment.entryPoint,
    limits: {
      cpu: deployment.configuration.cpu,
      memory: deployment.configuration.memory,
      cpuMillis: deployment.configuration.cpuMillis,
      memoryMiB: deployment.configuration.memoryMiB,
    },
    inputJson: run.inputJson,
    trigger: run.trigger,
    slot: run.slot?.toISOString() ?? null,
    requestedBy: run.requestedBy,
  };
  return newJobDoc(
    jobId,
    {
      kind: "execution",
      queue: executionQueue(deployment.tenantId),
      teamId: null,
      tenantId: deployment.tenantId,
      payload: { ...payload },
      leaseMs: intParam(JOB_LEASE_MS, DEFAULT_EXECUTION_LEASE_MS),
    },
    now,
  );
}

/** Reads the payload back from a stored job. */
export function executionPayloadOf(job: JobDoc): ExecutionPayload {
  return job.payload as unknown as ExecutionPayload;
}

/** Deterministic id of a schedule slot's execution: a second `create()` of it fails. */
export function slotExecutionId(deploymentId: string, slot: Date): string {
  return `cron-${deploymentId}-${slot.getTime()}`;
}
