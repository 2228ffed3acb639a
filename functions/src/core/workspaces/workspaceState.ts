import type { Transaction } from "firebase-admin/firestore";
import { jobs } from "../../data/jobs";
import type { WorkspaceDoc } from "../../data/workspaces";
import { FINAL_STATUSES, type JobDoc } from "../jobs/model";

/**
 * A workspace as its readers must see it: the stored document brought up to date with its job.
 *
 * Why the document can lag: a completion writes only the job (its end, with the reply's
 * `messageSeq` in `result`) and the assistant message, not the workspace. A generation's
 * lifecycle (queue, lease, heartbeat, complete) thereby stays at 6 writes: the workspace is
 * written when the job is queued, not again when it succeeds. Every other ending (fail, the
 * reaper, a cancel) frees the workspace in its own commit (`freeWorkspace`), so a stored
 * `activeJobId` whose job has ended means that job completed; one whose job is gone means it
 * completed and its record lapsed (only ended jobs carry a TTL).
 *
 * `job`: the job stored under `ws.activeJobId` (undefined when it is missing); ignored when the
 * workspace has no active job.
 */
export function settledWorkspace(ws: WorkspaceDoc, job: JobDoc | undefined): WorkspaceDoc {
  if (ws.activeJobId === null) return ws;
  if (job !== undefined && !FINAL_STATUSES.includes(job.status)) return ws;
  const replySeq = job?.result?.messageSeq;
  const finishedAt = job?.finishedAt ?? null;
  return {
    ...ws,
    activeJobId: null,
    lastJobStatus: job?.status ?? "SUCCEEDED",
    messageSeq: typeof replySeq === "number" ? Math.max(ws.messageSeq, replySeq) : ws.messageSeq,
    updatedAt: finishedAt !== null && finishedAt.toMillis() > ws.updatedAt.toMillis() ? finishedAt : ws.updatedAt,
  };
}

/** Reads the active job (if any) and settles the workspace: outside a transaction. */
export async function settle(ws: WorkspaceDoc): Promise<WorkspaceDoc> {
  if (ws.activeJobId === null) return ws;
  return settledWorkspace(ws, (await jobs().doc(ws.activeJobId).get()).data());
}

/**
 * The same inside `tx`: the job becomes one of its reads, so a transaction that writes the
 * workspace from this (queue a generation, post a message) conflicts with the job's end.
 */
export async function settleIn(tx: Transaction, ws: WorkspaceDoc): Promise<WorkspaceDoc> {
  if (ws.activeJobId === null) return ws;
  return settledWorkspace(ws, (await tx.get(jobs().doc(ws.activeJobId))).data());
}

/** Settles many workspaces, reading (at once) only the jobs of those with an active job. */
export async function settleAll(list: WorkspaceDoc[]): Promise<WorkspaceDoc[]> {
  const ids = [...new Set(list.flatMap((ws) => (ws.activeJobId === null ? [] : [ws.activeJobId])))];
  if (ids.length === 0) return list;
  const snaps = await Promise.all(ids.map((id) => jobs().doc(id).get()));
  const byId = new Map(snaps.map((s) => [s.id, s.data()]));
  return list.map((ws) => (ws.activeJobId === null ? ws : settledWorkspace(ws, byId.get(ws.activeJobId))));
}
