import { FieldValue, type Query, type Transaction } from "firebase-admin/firestore";
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
  /**
   * How racing creates of the scope are made to conflict. `count`: through the count itself,
   * read in the transaction (writes nothing more; for things rarely written while counted, such as
   * pending jobs). `lock`: through an increment on the scope's quota document (one more write; for
   * things written often while counted, such as keys' `lastUsedAt`, runners' heartbeats and
   * workspaces' messages, which would each make a create that counted them go again).
   */
  serialise: "count" | "lock";
}

/** The pending-jobs guard of one team: its jobs-API jobs, fleet tasks and workspace jobs. */
export function teamPendingJobs(teamId: string, adding = 1): CountGuard {
  return {
    quota: QUOTAS.pendingJobs,
    scope: `team:${teamId}`,
    per: "team",
    counted: pendingJobsOfTeam(teamId),
    adding,
    serialise: "count",
  };
}

/**
 * Inside the transaction that creates the things (after its own reads, before its writes):
 * refuses with 429 when the scope would go past its limit.
 *
 * Why a count and no counter: a counter has to be decremented by every path that ends a thing
 * (claims, reapers, revocations, TTL deletes, team deletion), in their writes, and drifts for
 * ever when one forgets; claims would also all meet on it. Counting the things themselves is
 * always right, and bounded by `limit(max)` (one billed read per 1,000 counted).
 *
 * Why it is exact under concurrency: the count is a read of the transaction, and Firestore
 * transactions are serializable, so a transaction commits only if what it read is still what it
 * read (production locks what it reads; the offline Firestore re-runs it at commit). With
 * `serialise: "count"` that is all: a racing create adds a document to the counted range, so
 * whichever commits second aborts, retries and counts again; the create writes only what it
 * creates. With `lock`, the create also bumps the scope's quota document, and racing creates
 * conflict there instead (see `CountGuard.serialise` for which fits where). Deletions need
 * neither: they only lower the count.
 */
export async function assertUnderQuota(tx: Transaction, guard: CountGuard): Promise<void> {
  const ref = quotaDoc(guard.quota.name, guard.scope);
  // The operator's override of this scope's limit, if any (never written by the service).
  const limit = limitOf(guard.quota, (await tx.get(ref)).data()?.limit);
  const counting = guard.counted.limit(Math.max(1, limit)).count();
  const counted =
    limit === 0 ? 0 : (guard.serialise === "count" ? await tx.get(counting) : await counting.get()).data().count;
  if (counted + guard.adding > limit) throw new QuotaExceeded(guard.quota, limit, guard.per);
  // An increment, so the write always changes the document: a write that changes nothing keeps
  // its update time, and an optimistic store (the offline Firestore) would then miss the race.
  if (guard.serialise === "lock") tx.set(ref, { guardedCreates: FieldValue.increment(1) }, { merge: true });
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
