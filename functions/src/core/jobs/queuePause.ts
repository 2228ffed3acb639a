import { Timestamp } from "firebase-admin/firestore";
import { liveDoc } from "../../data/live";
import { queueTagSets, type QueueTagSetsDoc } from "../../data/queueTagSets";

/**
 * Whether dispatch from `queue` is paused (Buildkite's pause dispatch): no leases while it is.
 * Read from the queue's document through this process's listener on it (`liveDoc`): no read per
 * claim, and a pause or resume applies from the next claim on, in every process.
 */
export async function isQueuePaused(queue: string): Promise<boolean> {
  return (await liveDoc(queueTagSets(queue))).data()?.paused === true;
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
