import { FieldValue, Timestamp, type Query, type Transaction } from "firebase-admin/firestore";
import { pendingJobsOfTeam, quotaDoc } from "../../data/quotas";
import { runContendedTransaction } from "../runners/contendedTransaction";
import { limitOf, QUOTAS, QuotaExceeded, type Quota } from "./quotas";

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

/** The pending-jobs guard of one team: its jobs-API jobs, fleet tasks and workspace jobs. */
export function teamPendingJobs(teamId: string, adding = 1): CountGuard {
  return {
    quota: QUOTAS.pendingJobs,
    scope: `team:${teamId}`,
    per: "team",
    counted: pendingJobsOfTeam(teamId),
    adding,
  };
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
  // An increment, so the write always changes the document: a write that changes nothing keeps
  // its update time, and an optimistic store (the offline Firestore) would then miss the race.
  tx.set(ref, { touchedAt: Timestamp.fromDate(now), guardedCreates: FieldValue.increment(1) }, { merge: true });
}

/** Per instance: the tail of each quota scope's queue of guarded transactions. */
const queues = new Map<string, Promise<void>>();

/**
 * Runs a transaction that guards a quota of `scope`, after every earlier one of this instance
 * for the same quota and scope has finished. Correctness comes from the quota document (any
 * number of instances); this queue only keeps one instance's burst from fighting over it:
 * optimistic contenders cost each other aborts and retries (n² work; 30 concurrent creates took
 * 17 s in the offline Firestore), queued ones cost one transaction each.
 */
export function runGuardedTransaction<T>(
  quota: Quota,
  scope: string,
  work: (tx: Transaction) => Promise<T>,
): Promise<T> {
  const key = `${quota.name}:${scope}`;
  const run = (queues.get(key) ?? Promise.resolve()).then(() => runContendedTransaction(work));
  const tail = run.then(
    () => undefined,
    () => undefined,
  );
  queues.set(key, tail);
  void tail.then(() => {
    if (queues.get(key) === tail) queues.delete(key);
  });
  return run;
}
