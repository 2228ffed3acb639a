import { createHash } from "node:crypto";
import type { DocumentReference, Timestamp } from "firebase-admin/firestore";
import { db } from "./firestore";

export const CONCURRENCY_SLOTS = "concurrencySlots";

/**
 * `concurrencySlots/{sha256(team, key)}`: who holds a concurrency key of a team now. A claim of a
 * job with a `concurrencyKey` writes it together with the job (both conditional on the versions it
 * read), so two claims can never both take the last slot; every end and release of such a job
 * gives its slot back in the same transaction (`core/jobs/concurrency.ts`).
 */
export interface ConcurrencySlotDoc {
  /** The team the key belongs to. */
  teamId: string;
  /** The key as jobs carry it (the document id is its hash). */
  key: string;
  /** Ids of the jobs with this key that are leased (LEASED or RUNNING) now. */
  holders: string[];
  /**
   * Jobs set aside while the key was full (moved out of every claim's window, see `parkedShardOf`):
   * when a holder lets go and this is above 0, the best parked job goes back to its queue.
   */
  parked: number;
  /** Last change. */
  updatedAt: Timestamp;
}

/** The slot document of `key` in `teamId`. */
export function concurrencySlot(teamId: string, key: string): DocumentReference<ConcurrencySlotDoc> {
  return db().collection(CONCURRENCY_SLOTS).doc(slotId(teamId, key)) as DocumentReference<ConcurrencySlotDoc>;
}

/** The document id (also names the key's parked shard): keys may hold any character. */
export function slotId(teamId: string, key: string): string {
  return createHash("sha256").update(`${teamId}\u0000${key}`, "utf8").digest("hex").slice(0, 40);
}
