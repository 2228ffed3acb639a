import type { Transaction } from "firebase-admin/firestore";
import { countJobMove } from "../metrics/countJobMove";
import { prepareSlotRelease } from "./concurrency";
import type { JobDoc, JobStatus } from "./model";

/** What the ending write sets besides the status, for hooks that care (a campaign child's skip). */
export interface JobEnding {
  /** SKIPPED / ABANDONED when a child control ended it. */
  outcome?: string | null;
  /** The error it ended with. */
  error?: string | null;
}

/**
 * Work that must commit together with a job's end, per kind (a workspace frees its one active
 * slot). Transactions read before they write, so a hook reads first and returns its writes.
 */
export type JobEndHook = (
  tx: Transaction,
  jobId: string,
  job: JobDoc,
) => Promise<(status: string, ending?: JobEnding) => void>;

// Several concerns may hook one kind (a generic job frees a runner slot and unblocks dependents).
const hooks = new Map<string, JobEndHook[]>();

export function onJobEnd(kind: JobDoc["kind"], hook: JobEndHook): void {
  hooks.set(kind, [...(hooks.get(kind) ?? []), hook]);
}

export async function prepareJobEnd(
  tx: Transaction,
  jobId: string,
  job: JobDoc,
): Promise<(status: string, ending?: JobEnding) => void> {
  const writes: ((status: string, ending?: JobEnding) => void)[] = [];
  // One after another: every hook's reads come before any hook's writes.
  for (const hook of hooks.get(job.kind) ?? []) writes.push(await hook(tx, jobId, job));
  // Every kind: a held job ending gives its concurrency key's slot back.
  const slotWrites = await prepareSlotRelease(tx, jobId, job);
  return (status, ending) => {
    for (const write of writes) write(status, ending);
    slotWrites();
    countJobMove(tx, job, job.status, status as JobStatus, new Date());
  };
}

/**
 * Work that must commit together with a lease ending while its job returns to the queue (the
 * lease reaper's requeue, a runner released as offline): what `onJobEnd` covers for endings,
 * e.g. a runner's held-job count. Same read-then-write shape as end hooks.
 */
export type LeaseReleaseHook = (tx: Transaction, jobId: string, job: JobDoc) => Promise<() => void>;

const releaseHooks = new Map<string, LeaseReleaseHook>();

export function onLeaseRelease(kind: JobDoc["kind"], hook: LeaseReleaseHook): void {
  releaseHooks.set(kind, hook);
}

export async function prepareLeaseRelease(tx: Transaction, jobId: string, job: JobDoc): Promise<() => void> {
  const hook = releaseHooks.get(job.kind);
  const writes = hook === undefined ? () => undefined : await hook(tx, jobId, job);
  const slotWrites = await prepareSlotRelease(tx, jobId, job);
  return () => {
    writes();
    slotWrites();
    countJobMove(tx, job, job.status, "PENDING", new Date());
  };
}
