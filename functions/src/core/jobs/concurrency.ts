import {
  FieldValue,
  Timestamp,
  type DocumentData,
  type DocumentReference,
  type Precondition,
  type QueryDocumentSnapshot,
  type Transaction,
  type UpdateData,
  type WriteBatch,
} from "firebase-admin/firestore";
import { concurrencySlot, slotId, type ConcurrencySlotDoc } from "../../data/concurrencySlots";
import { pendingHead } from "../../data/jobs";
import { HELD_STATUSES, pendingShardFor, type JobDoc } from "./model";

/**
 * Concurrency keys (GitHub's concurrency groups): at most `concurrencyLimit` jobs carrying a
 * team's `concurrencyKey` are leased at once.
 *
 * - The key's slot document (`concurrencySlots`) lists the jobs holding it. A claim writes it in
 *   the same batch as the job, both conditional on the versions it read: of two claims racing for
 *   the last slot one commits and the other loses the race (as for the job itself).
 * - A job whose key is full when a claim meets it is **parked**: moved out of every claim's window
 *   into its key's parked shard (`parkedShardOf`), again in one batch with the slot (`parked + 1`)
 *   conditional on the slot being what was read, so a slot freed meanwhile is never missed. Held
 *   jobs therefore never fill a window: jobs behind them are leased as if they were not there.
 * - Every end or release of a held job (`prepareSlotRelease`, run by the one end/release path in
 *   `jobEndHooks.ts`) takes it off the slot in the same transaction and, when jobs are parked,
 *   moves the best one (priority, then age) back into its queue, where the next claim takes it.
 */

/** A job's key and limit, as stored on it. */
type Keyed = Pick<JobDoc, "teamId" | "concurrencyKey" | "concurrencyLimit">;

/** Where a job waits while its key is full: one shard per key, outside every claim's window. */
export function parkedShardOf(queue: string, teamId: string, key: string): string {
  return `${queue}#key#${slotId(teamId, key)}`;
}

/** A slot as this process last saw it (its own writes included), so the next claim needs no re-read. */
export interface SlotState {
  ref: DocumentReference<ConcurrencySlotDoc>;
  data: ConcurrencySlotDoc | undefined;
  version: Timestamp | undefined;
  /** When it was read (performance.now()). */
  readAt: number;
}

/** How long this process trusts a slot it read: every write on it is conditional anyway. */
const SLOT_MEMORY_MS = 1_000;
const slotsSeen = new Map<string, SlotState>();
const slotQueues = new Map<string, Promise<void>>();

/** Whether the job carries a concurrency key. */
export function hasKey(job: Keyed): boolean {
  return job.concurrencyKey !== undefined && job.concurrencyKey !== null && job.teamId !== null;
}

/**
 * Runs `use` with the key's slot, one claim of this process at a time per key (a function
 * instance serves many runners at once; this way they never race each other for the slot, only
 * other processes and releases do, and the slot is read once for all of them). Whatever `use`
 * writes is conditional on the slot's version; after a lost race it calls `forgetSlot`.
 */
export async function withSlot<T>(job: Keyed, use: (slot: SlotState) => Promise<T>): Promise<T> {
  const ref = concurrencySlot(job.teamId ?? "", job.concurrencyKey ?? "");
  const before = slotQueues.get(ref.id) ?? Promise.resolve();
  let done: () => void = () => undefined;
  const mine = new Promise<void>((resolve) => (done = resolve));
  const queue = before.then(() => mine);
  slotQueues.set(ref.id, queue);
  await before;
  try {
    let slot = slotsSeen.get(ref.id);
    if (slot === undefined || performance.now() - slot.readAt >= SLOT_MEMORY_MS) {
      const readAt = performance.now();
      const snap = await ref.get();
      slot = { ref, data: snap.data(), version: snap.exists ? snap.updateTime : undefined, readAt };
      slotsSeen.set(ref.id, slot);
      if (slotsSeen.size > 10_000) slotsSeen.clear();
    }
    return await use(slot);
  } finally {
    done();
    if (slotQueues.get(ref.id) === queue) slotQueues.delete(ref.id);
  }
}

/** After a lost race on the slot: the next claim reads it again. */
export function forgetSlot(slot: SlotState): void {
  if (slotsSeen.get(slot.ref.id) === slot) slotsSeen.delete(slot.ref.id);
}

/** Whether the key has room for one more lease of `job`. */
export function slotHasRoom(slot: SlotState, job: Keyed): boolean {
  return (slot.data?.holders.length ?? 0) < (job.concurrencyLimit ?? 1);
}

/** A write batch or a transaction: a slot is written in the same commit as the lease it goes with. */
export interface SlotWrites {
  create(ref: DocumentReference<ConcurrencySlotDoc>, data: ConcurrencySlotDoc): unknown;
  update<T>(ref: DocumentReference<T>, data: UpdateData<DocumentData>, precondition: Precondition): unknown;
}

/** Adds to `batch` the slot write that goes with leasing `jobId` (conditional on the slot read). */
export function takeSlot(batch: SlotWrites, slot: SlotState, job: Keyed, jobId: string, at: Timestamp): () => void {
  const holders = [...(slot.data?.holders ?? []), jobId];
  writeSlot(batch, slot, job, { holders: FieldValue.arrayUnion(jobId), updatedAt: at }, { holders, parked: 0 }, at);
  return () => (slot.data = { ...slotDoc(slot, job, at), holders });
}

/** Adds to `batch` the slot write that goes with parking `count` jobs (`parked + count`, conditional on the slot read). */
export function noteParked(batch: WriteBatch, slot: SlotState, job: Keyed, count: number, at: Timestamp): () => void {
  const parked = (slot.data?.parked ?? 0) + count;
  writeSlot(batch, slot, job, { parked: FieldValue.increment(count), updatedAt: at }, { holders: [], parked }, at);
  return () => (slot.data = { ...slotDoc(slot, job, at), parked });
}

function writeSlot(
  batch: SlotWrites,
  slot: SlotState,
  job: Keyed,
  change: Record<string, unknown>,
  fresh: Pick<ConcurrencySlotDoc, "holders" | "parked">,
  at: Timestamp,
): void {
  if (slot.version === undefined) batch.create(slot.ref, { ...slotDoc(slot, job, at), ...fresh });
  else batch.update(slot.ref, change, { lastUpdateTime: slot.version });
}

function slotDoc(slot: SlotState, job: Keyed, at: Timestamp): ConcurrencySlotDoc {
  return (
    slot.data ?? { teamId: job.teamId ?? "", key: job.concurrencyKey ?? "", holders: [], parked: 0, updatedAt: at }
  );
}

/** After a committed batch: the slot's new version, so the next claim's write on it is conditional on this one. */
export function slotWritten(slot: SlotState, writeTime: Timestamp, apply: () => void): void {
  apply();
  slot.version = writeTime;
}

/**
 * The slot side of a held job letting go (ended, requeued, paused, reaped), inside `tx`, which has
 * read the job: reads first (the slot, and the best parked job when some wait), returns the writes.
 * A job that holds no slot costs nothing.
 */
export async function prepareSlotRelease(tx: Transaction, jobId: string, job: JobDoc): Promise<() => void> {
  const key = job.concurrencyKey;
  if (key === undefined || key === null || job.teamId === null || !HELD_STATUSES.includes(job.status))
    return () => undefined;
  const ref = concurrencySlot(job.teamId, key);
  const slot = (await tx.get(ref)).data();
  if (slot === undefined || !slot.holders.includes(jobId)) return () => undefined;
  let next: QueryDocumentSnapshot<JobDoc> | undefined;
  if (slot.parked > 0) next = (await tx.get(pendingHead([parkedShardOf(job.queue, job.teamId, key)], 1))).docs[0];
  return () => {
    const at = Timestamp.now();
    // The count is a hint kept at or above the truth (a parked job cancelled stays counted): an
    // empty parked shard resets it.
    tx.update(ref, {
      holders: FieldValue.arrayRemove(jobId),
      parked: next === undefined ? 0 : Math.max(0, slot.parked - 1),
      updatedAt: at,
    });
    if (next !== undefined) {
      const parked = next.data();
      tx.update(next.ref, { pendingShard: pendingShardFor(parked.queue, next.id, parked.tags), updatedAt: at });
    }
  };
}
