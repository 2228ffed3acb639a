import { Timestamp } from "firebase-admin/firestore";
import { queueTagSets, type QueueTagSetsDoc } from "../../data/queueTagSets";

/**
 * How long one process trusts what it read of a queue's pause: a pause (or resume) takes effect
 * on other processes within this, and a busy queue costs one read this often per process, not one
 * per claim. Waiting lease calls do not wait for it: they listen to the queue's document.
 */
export const PAUSE_MEMORY_MS = 1_000;

const seen = new Map<string, { paused: boolean; at: number }>();

/** What a read or a listener saw of the queue's document: kept for PAUSE_MEMORY_MS. */
export function notePaused(queue: string, doc: Pick<QueueTagSetsDoc, "paused"> | undefined): boolean {
  const paused = doc?.paused === true;
  if (seen.size > 10_000) seen.clear();
  seen.set(queue, { paused, at: performance.now() });
  return paused;
}

/** Whether dispatch from `queue` is paused (Buildkite's pause dispatch): no leases while it is. */
export async function isQueuePaused(queue: string): Promise<boolean> {
  const known = seen.get(queue);
  if (known !== undefined && performance.now() - known.at < PAUSE_MEMORY_MS) return known.paused;
  return notePaused(queue, (await queueTagSets(queue).get()).data());
}

export interface QueueState {
  paused: boolean;
  /** When it was paused (null while running). */
  pausedAt: string | null;
  /** Who paused it: a uid or `apiKey:<credential id>` (null while running). */
  pausedBy: string | null;
}

/** Pauses or resumes a queue; repeating either keeps the state as it is (a pause keeps its time). */
export async function setQueuePaused(queue: string, paused: boolean, by: string, now: Date): Promise<QueueState> {
  const ref = queueTagSets(queue);
  const state = await ref.firestore.runTransaction(async (tx) => {
    const doc = (await tx.get(ref)).data();
    if ((doc?.paused === true) === paused) return stateOf(doc);
    const at = Timestamp.fromDate(now);
    const fields = { queue, paused, pausedAt: paused ? at : null, pausedBy: paused ? by : null, updatedAt: at };
    tx.set(ref, fields, { merge: true });
    return stateOf(fields);
  });
  notePaused(queue, state);
  return state;
}

/** The pause state of each queue, read now. */
export async function readQueueStates(queues: readonly string[]): Promise<QueueState[]> {
  const snaps = await queueTagSets(queues[0] ?? "").firestore.getAll(...queues.map((q) => queueTagSets(q)));
  return snaps.map((snap) => stateOf(snap.data() as QueueTagSetsDoc | undefined));
}

function stateOf(doc: Pick<QueueTagSetsDoc, "paused" | "pausedAt" | "pausedBy"> | undefined): QueueState {
  return {
    paused: doc?.paused === true,
    pausedAt: doc?.paused === true ? (doc.pausedAt?.toDate().toISOString() ?? null) : null,
    pausedBy: doc?.paused === true ? (doc.pausedBy ?? null) : null,
  };
}
