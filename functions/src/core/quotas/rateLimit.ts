import { quotaDoc } from "../../data/quotas";
import { runGuardedTransaction } from "./guardCount";
import { limitOf, QuotaExceeded, type Quota } from "./quotas";

/** One rate window. Fixed windows keep it to one small document per scope. */
export const RATE_WINDOW_MS = 60_000;

/**
 * Counts one event of `scope` against a per-minute quota (e.g. `QUOTAS.webhookDeliveries` with
 * scope `team:<id>`), or refuses it with 429 and a Retry-After of when the window turns. Call it
 * before doing the work (a webhook delivery: before its job is queued), in its own transaction,
 * so the refusal changes nothing.
 *
 * A fixed one-minute window (`windowStart`, `used` on `quotas/{quota}:{scope}`): at most 2× the
 * limit can pass across a window boundary, which is fine for a flood guard and costs one
 * document read and write per event. At ~1 write/s sustained per document, one scope's events are
 * serialized; a scope that needs hundreds per second needs sharded windows.
 */
export async function takeRateSlot(quota: Quota, scope: string, per: string, now: Date): Promise<void> {
  const ref = quotaDoc(quota.name, scope);
  const nowMs = now.getTime();
  const windowStart = nowMs - (nowMs % RATE_WINDOW_MS);
  await runGuardedTransaction(quota, scope, async (tx) => {
    const doc = (await tx.get(ref)).data() ?? {};
    const limit = limitOf(quota, doc.limit);
    const used = doc.windowStart === windowStart ? (doc.used ?? 0) : 0;
    if (used >= limit) {
      throw new QuotaExceeded(quota, limit, per, Math.max(1, Math.ceil((windowStart + RATE_WINDOW_MS - nowMs) / 1000)));
    }
    tx.set(ref, { windowStart, used: used + 1 }, { merge: true });
  });
}
