import type { DocumentReference, Transaction } from "firebase-admin/firestore";
import { intParam, JOB_LEASE_MS } from "../../config/params";
import { db } from "../../data/firestore";
import { jobs } from "../../data/jobs";
import { NotFound } from "../../http/errors";
import { blobStore } from "../blobs/blobStore";
import { claimJobs, heldLease, type ClaimedJob } from "../jobs/claimJobs";
import { leaseOrWait } from "../jobs/leaseOrWait";
import { endingHash, endJob } from "../jobs/endJob";
import { extendLease } from "../jobs/extendLease";
import { assertHolds } from "../jobs/leaseGuard";
import type { JobDoc } from "../jobs/model";
import { DEFAULT_EXECUTION_LEASE_MS, executionPayloadOf } from "./executionJob";
import { executionQueue } from "./model";
import type { ExecutionHeartbeat } from "../../../../contract/src/coderunner";

/**
 * The runner side of executions, on the shared lease core. The holder is the runner key's
 * credential id; every call after the claim also carries the lease token minted by that claim,
 * so two processes sharing one key are still fenced from each other.
 */
export interface TenantRunner {
  tenantId: string;
  /** The runner key's credential id: the lease holder. */
  holder: string;
}

/** Leases up to `limit` executions; with `waitMs`, waits for one (see `leaseOrWait`). */
export async function leaseExecutions(
  runner: TenantRunner,
  limit: number,
  waitMs: number,
  now: Date,
  signal?: AbortSignal,
): Promise<ClaimedJob[]> {
  const queue = executionQueue(runner.tenantId);
  const leaseMs = intParam(JOB_LEASE_MS, DEFAULT_EXECUTION_LEASE_MS);
  return leaseOrWait(
    { queue, tags: undefined, limit, waitMs, signal, leaseOf: heldLease },
    (at, hint) => claimJobs({ queue, holder: runner.holder, limit, leaseMs, now: at, hint }),
    now,
  );
}

/** Another tenant's execution is 404 like a missing one; our own without the lease is 409. */
function assertTenantExecution(job: JobDoc | undefined, runner: TenantRunner): asserts job is JobDoc {
  if (job === undefined || job.kind !== "execution" || job.tenantId !== runner.tenantId)
    throw new NotFound("EXECUTION_NOT_FOUND", "No such execution.");
}

async function heldInTransaction(
  tx: Transaction,
  ref: DocumentReference<JobDoc>,
  runner: TenantRunner,
  token: string,
  now: Date,
): Promise<JobDoc> {
  const job = (await tx.get(ref)).data();
  assertTenantExecution(job, runner);
  assertHolds(job, runner.holder, now, token);
  return job;
}

/** Extends the lease by the job's lease length; tells the runner whether to stop. */
export async function heartbeatExecution(
  runner: TenantRunner,
  executionId: string,
  token: string,
  now: Date,
): Promise<ExecutionHeartbeat> {
  const ref = jobs().doc(executionId);
  return db().runTransaction(async (tx) => {
    const job = await heldInTransaction(tx, ref, runner, token, now);
    const expiresAt = extendLease(tx, ref, job, now, { status: "RUNNING" });
    return { leaseExpiresAt: expiresAt.toMillis(), cancelRequested: job.control.cancelRequested };
  });
}

/** The bundle's bytes, for the holder only. */
export async function readExecutionBundle(
  runner: TenantRunner,
  executionId: string,
  token: string,
  now: Date,
): Promise<Buffer> {
  const job = (await jobs().doc(executionId).get()).data();
  assertTenantExecution(job, runner);
  assertHolds(job, runner.holder, now, token);
  const bytes = await blobStore().get(executionPayloadOf(job).bundle);
  if (bytes === null) throw new NotFound("BUNDLE_NOT_FOUND", "The code bundle is missing.");
  return bytes;
}

export interface ExecutionOutcome {
  /** The process's exit status: 0 is success. */
  exitCode: number;
  /** What it printed (the runner may keep only the tail). */
  output: string;
  /** Structured result as JSON text, or null. */
  resultJson: string | null;
}

/**
 * Ends the execution: SUCCEEDED on exit code 0, FAILED otherwise, the outcome stored either
 * way. Repeating the same completion as the holder that made it answers ok and writes nothing.
 */
export async function completeExecution(
  runner: TenantRunner,
  executionId: string,
  token: string,
  outcome: ExecutionOutcome,
  now: Date,
) {
  const status = outcome.exitCode === 0 ? ("SUCCEEDED" as const) : ("FAILED" as const);
  const error = outcome.exitCode === 0 ? null : `The code exited with status ${outcome.exitCode}.`;
  return finish(runner, executionId, token, now, status, ["complete", outcome], {
    result: { exitCode: outcome.exitCode, output: outcome.output, resultJson: outcome.resultJson },
    error,
  });
}

/** The runner could not run it (bad bundle, runtime missing…): FAILED with the runner's reason. */
export async function failExecution(
  runner: TenantRunner,
  executionId: string,
  token: string,
  reason: string,
  now: Date,
) {
  return finish(runner, executionId, token, now, "FAILED", ["fail", reason], { error: reason });
}

async function finish(
  runner: TenantRunner,
  executionId: string,
  token: string,
  now: Date,
  status: "SUCCEEDED" | "FAILED",
  outcome: unknown,
  fields: Record<string, unknown>,
): Promise<{ status: string; duplicate: boolean }> {
  const ref = jobs().doc(executionId);
  return db().runTransaction(async (tx) => {
    const before = (await tx.get(ref)).data();
    assertTenantExecution(before, runner);
    const ended = await endJob(tx, ref, before, {
      holder: runner.holder,
      token,
      status,
      hash: endingHash(outcome),
      conflictCode: "ALREADY_FINISHED",
      now,
      fields: () => fields,
    });
    return { status: ended.job.status, duplicate: ended.duplicate };
  });
}
