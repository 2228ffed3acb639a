import type { Transaction } from "firebase-admin/firestore";
import { unblockDependents } from "../jobsApi/dependencies";
import { freeWorkspace } from "../workspaces/endHook";
import { prepareSlotRelease } from "./concurrency";
import type { JobDoc } from "./model";

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
) => Promise<(status: string, ending: JobEnding) => void>;

/**
 * Every concern that must commit with a job's end, per kind, listed here rather than registered
 * by importing a module for its side effect: what runs when a job ends is read in one place, and
 * a caller of the core (a unit test, a script) gets the same hooks as the deployed functions.
 * Looked up at call time, so the modules may import this one back.
 */
function endHooksOf(kind: JobDoc["kind"]): JobEndHook[] {
  switch (kind) {
    case "workspace":
      return [freeWorkspace];
    case "generic":
      return [unblockDependents];
    // A review task's runner keeps no count of what it holds (counted from the tasks): nothing to free.
    case "review":
    case "execution":
    case "webhook":
    case "llm":
    case "rpc":
      return [];
  }
}

export async function prepareJobEnd(
  tx: Transaction,
  jobId: string,
  job: JobDoc,
): Promise<(status: string, ending: JobEnding) => void> {
  const writes: ((status: string, ending: JobEnding) => void)[] = [];
  // One after another: every hook's reads come before any hook's writes.
  for (const hook of endHooksOf(job.kind)) writes.push(await hook(tx, jobId, job));
  // Every kind: a held job ending gives its concurrency key's slot back.
  const slotWrites = await prepareSlotRelease(tx, jobId, job);
  return (status, ending) => {
    for (const write of writes) write(status, ending);
    slotWrites();
  };
}

/**
 * Work that must commit together with a lease ending while its job returns to the queue (the
 * lease reaper's requeue, a runner released as offline): its concurrency key's slot. (Metrics
 * and a fleet runner's held tasks are counted from the jobs, so nothing else.)
 */
export async function prepareLeaseRelease(tx: Transaction, jobId: string, job: JobDoc): Promise<() => void> {
  const slotWrites = await prepareSlotRelease(tx, jobId, job);
  return () => {
    slotWrites();
  };
}
