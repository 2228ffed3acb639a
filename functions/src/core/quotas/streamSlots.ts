import { FieldValue, Timestamp } from "firebase-admin/firestore";
import { randomUUID } from "node:crypto";
import { quotaDoc } from "../../data/quotas";
import { runGuardedTransaction } from "./guardCount";
import { limitOf, QuotaExceeded, QUOTAS } from "./quotas";

/** How long past its own end a slot outlives an instance that died without releasing it. */
export const STREAM_SLOT_GRACE_MS = 10_000;

export interface StreamSlot {
  /** Gives the slot back; safe to call more than once, never throws. */
  release(): Promise<void>;
}

/**
 * Takes one of the caller's open-stream slots (MAX_OPEN_STREAMS), or answers 429 with a
 * Retry-After of when the caller's oldest slot lapses at the latest.
 *
 * The slots live in one document per caller (`quotas/openStreams:caller:<id>`, map id → lapse
 * time), read and written in one transaction: counting the open streams in each instance's memory
 * would let a caller hold the limit once per instance. A slot lapses on its own `maxMs` plus a
 * grace after it was taken, so a crashed instance cannot leak it for ever.
 */
export async function openStreamSlot(callerId: string, maxMs: number, now: Date): Promise<StreamSlot> {
  const ref = quotaDoc(QUOTAS.openStreams.name, `caller:${callerId}`);
  const id = randomUUID();
  const nowMs = now.getTime();
  await runGuardedTransaction(QUOTAS.openStreams, `caller:${callerId}`, async (tx) => {
    const doc = (await tx.get(ref)).data() ?? {};
    const limit = limitOf(QUOTAS.openStreams, doc.limit);
    const live = Object.entries(doc.open ?? {}).filter(([, lapsesAt]) => lapsesAt > nowMs);
    if (live.length >= limit) {
      const soonest = live.length === 0 ? nowMs + 1000 : Math.min(...live.map(([, lapsesAt]) => lapsesAt));
      throw new QuotaExceeded(QUOTAS.openStreams, limit, "caller", Math.max(1, Math.ceil((soonest - nowMs) / 1000)));
    }
    const open = Object.fromEntries([...live, [id, nowMs + maxMs + STREAM_SLOT_GRACE_MS]]);
    // A whole replace of `open` (not a merge), so lapsed slots are dropped here.
    tx.set(ref, { ...doc, open, touchedAt: Timestamp.fromDate(now) });
  });
  let released = false;
  return {
    release: async () => {
      if (released) return;
      released = true;
      await ref.update({ [`open.${id}`]: FieldValue.delete() }).catch(() => undefined);
    },
  };
}
