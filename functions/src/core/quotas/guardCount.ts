import type { Query, Transaction } from "firebase-admin/firestore";
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
 * refuses with 429 when the scope would go past its limit. Writes nothing.
 *
 * Why a count and no counter: a counter has to be decremented by every path that ends a thing
 * (claims, reapers, revocations, TTL deletes, team deletion), in their writes, and drifts for
 * ever when one forgets; claims would also all meet on it. Counting the things themselves is
 * always right, and bounded by `limit(max)` (one billed read per 1,000 counted).
 *
 * Why it is exact under concurrency without a lock document: the count is a read of the
 * transaction, and Firestore transactions are serializable, so a transaction commits only if
 * what it read (the counted query's result included) is still what it read. A racing create of
 * the same scope adds a document to the counted range; whichever commits second aborts, retries
 * and counts again. (Production locks the range read; the offline Firestore re-runs the query at
 * commit and aborts on any difference.) Creates of one scope still go one after another, as they
 * did on the lock document, but without writing it: the create writes only what it creates.
 * Deletions and claims only lower the count; one that lands between the count and the commit
 * aborts the create too, which then counts again (a retry, never a wrong answer).
 */
export async function assertUnderQuota(tx: Transaction, guard: CountGuard): Promise<void> {
  // The operator's override of this scope's limit, if any (never written by the service).
  const override = (await tx.get(quotaDoc(guard.quota.name, guard.scope))).data()?.limit;
  const limit = limitOf(guard.quota, override);
  const counted = limit === 0 ? 0 : (await tx.get(guard.counted.limit(limit).count())).data().count;
  if (counted + guard.adding > limit) throw new QuotaExceeded(guard.quota, limit, guard.per);
}

/** Per instance: the tail of each quota scope's queue of guarded transactions. */
const queues = new Map<string, Promise<void>>();

/**
 * Runs a transaction that guards a quota of `scope`, after every earlier one of this instance
 * for the same quota and scope has finished. Correctness comes from the transaction (its count,
 * or the scope's document for stream slots and rate windows: any number of instances); this
 * queue only keeps one instance's burst from fighting over it:
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
