import { Timestamp, type Query, type Transaction } from "firebase-admin/firestore";
import { quotaDoc } from "../../data/quotas";
import { limitOf, QuotaExceeded, type Quota } from "./quotas";

/** A count-based quota check for one create. */
export interface CountGuard {
  quota: Quota;
  /** Whose things are counted: `team:<id>`, `tenant:<id>`. */
  scope: string;
  /** The scope in words, for the message ("team", "Coderunner tenant"). */
  per: string;
  /** The things counted. */
  counted: Query;
  /** How many this create adds (a job with auto-started children adds several). */
  adding: number;
}

/**
 * Inside the transaction that creates the things (after its own reads, before its writes):
 * refuses with 429 when the scope would go past its limit, else touches the scope's quota
 * document so the create commits only if no other guarded create of the scope committed since.
 *
 * Why a count and a lock rather than a counter: a counter has to be decremented by every path
 * that ends a thing (claims, reapers, revocations, TTL deletes, team deletion), in their writes,
 * and drifts for ever when one forgets; claims would also all meet on it. Counting the things
 * themselves is always right, and bounded by `limit(max)`. The lock makes it exact under
 * concurrency: the count runs after the lock document is read, and a racing create that commits
 * in between changes that document, which aborts this transaction (it retries and counts again).
 * Deletions need no lock: they only lower the count.
 */
export async function assertUnderQuota(tx: Transaction, guard: CountGuard, now: Date): Promise<void> {
  const ref = quotaDoc(guard.quota.name, guard.scope);
  const lock = (await tx.get(ref)).data();
  const limit = limitOf(guard.quota, lock?.limit);
  const counted = limit === 0 ? 0 : (await guard.counted.limit(limit).count().get()).data().count;
  if (counted + guard.adding > limit) throw new QuotaExceeded(guard.quota, limit, guard.per);
  tx.set(ref, { touchedAt: Timestamp.fromDate(now) }, { merge: true });
}
