import type { Transaction } from "firebase-admin/firestore";
import type { JobDoc } from "./model";

/**
 * Work that must commit together with a job's end, per kind (a workspace frees its one active
 * slot). Transactions read before they write, so a hook reads first and returns its writes.
 */
export type JobEndHook = (tx: Transaction, jobId: string, job: JobDoc) => Promise<(status: string) => void>;

const hooks = new Map<string, JobEndHook>();

export function onJobEnd(kind: JobDoc["kind"], hook: JobEndHook): void {
  hooks.set(kind, hook);
}

export async function prepareJobEnd(tx: Transaction, jobId: string, job: JobDoc): Promise<(status: string) => void> {
  const hook = hooks.get(job.kind);
  return hook === undefined ? () => undefined : hook(tx, jobId, job);
}

