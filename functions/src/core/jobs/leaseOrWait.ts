import type { DocumentSnapshot, QuerySnapshot } from "firebase-admin/firestore";
import { nextLaterJob, pendingWatches } from "../../data/jobs";
import { queueTagSets, type QueueTagSetsDoc } from "../../data/queueTagSets";
import { laterShardOf, shardsOf, type JobDoc } from "./model";
import { LATER_CHECK_MS } from "./promoteDueJobs";
import { notePaused } from "./queuePause";
import { handBack, type HeldLease } from "./releaseLease";
import { eligibleOf, eligibleTagSets } from "./tagSets";

export interface LeaseWait<T> {
  /** The queue the runner leases from. */
  queue: string;
  /** The tags it carries (which pending tag sets to watch). */
  tags: readonly string[] | undefined;
  /** How long to wait for a leasable job; 0 answers at once. */
  waitMs: number;
  /** The queue may hold delayed jobs: also try again when the next one falls due. */
  delayed?: boolean;
  /** The queue may be paused: also try again when it is resumed. */
  pausable?: boolean;
  /** Aborts when the caller has gone (see `callerGone`): the wait ends at once. */
  signal?: AbortSignal;
  /** The job and lease an answered item holds, so one taken after the caller left goes back. */
  leaseOf: (item: T) => HeldLease;
}

/**
 * Runs the face's claim (`attempt`, given the time of each try) and, when it finds nothing and
 * the caller may wait, watches the pending jobs it may take with a Firestore listener: each time
 * the watch sees one, the claim is tried again, so a job queued during the wait is leased as
 * soon as it is written (by exactly one waiter: the claim is still a conditional write). Empty
 * at the deadline. No polling: an idle wait costs the listener's first read and nothing more.
 * A try under way at the deadline is waited for, so a lease taken is never dropped unanswered.
 * A caller that goes away (`signal`) ends the wait; jobs a try under way took for it go back to
 * the queue at once, no attempt counted, instead of sitting out a lease nobody will use.
 */
export async function leaseOrWait<T>(
  wait: LeaseWait<T>,
  attempt: (now: Date) => Promise<T[]>,
  now: Date,
): Promise<T[]> {
  const got = await waitForWork(wait, attempt, now);
  if (got.length > 0 && wait.signal?.aborted === true) {
    await handBack(got.map(wait.leaseOf), new Date());
    return [];
  }
  return got;
}

async function waitForWork<T>(wait: LeaseWait<T>, attempt: (now: Date) => Promise<T[]>, now: Date): Promise<T[]> {
  const first = await attempt(now);
  if (first.length > 0 || wait.waitMs <= 0 || wait.signal?.aborted === true) return first;
  const watchedSets = new Set(await eligibleTagSets(wait.queue, wait.tags));
  const shards = shardsOf(wait.queue, [...watchedSets]);
  return new Promise<T[]>((resolve, reject) => {
    let trying = false;
    let tryAgain = false;
    let expired = false;
    let settled = false;
    const unsubscribe: (() => void)[] = [];
    const settle = (outcome: { value: T[] } | { error: unknown }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      for (const stop of unsubscribe) stop();
      wait.signal?.removeEventListener("abort", stopWaiting);
      if ("value" in outcome) resolve(outcome.value);
      else reject(outcome.error instanceof Error ? outcome.error : new Error(String(outcome.error)));
    };
    const tryClaim = async () => {
      if (trying) {
        tryAgain = true;
        return;
      }
      trying = true;
      try {
        do {
          tryAgain = false;
          const got = await attempt(new Date());
          if (got.length > 0) return settle({ value: got });
        } while (tryAgain && !expired);
        if (expired) settle({ value: [] });
      } catch (error) {
        settle({ error });
      } finally {
        trying = false;
      }
    };
    const stopWaiting = () => {
      expired = true;
      if (!trying) settle({ value: [] });
    };
    const timer = setTimeout(stopWaiting, wait.waitMs);
    wait.signal?.addEventListener("abort", stopWaiting, { once: true });
    // A delayed job falling due writes nothing a listener could see: watch the next one's
    // runAt and try again then (the claim moves it into the queue).
    let dueTimer: NodeJS.Timeout | undefined;
    const watchLater = (snap: QuerySnapshot<JobDoc>) => {
      clearTimeout(dueTimer);
      const runAt = snap.docs[0]?.data().runAt;
      if (runAt === undefined || runAt === null) return;
      const inMs = Math.max(0, runAt.toMillis() - Date.now()) + LATER_CHECK_MS;
      if (inMs < wait.waitMs) dueTimer = setTimeout(() => void tryClaim(), inMs);
    };
    const watchPending = (of: string[]) =>
      pendingWatches(of).map((query) =>
        query.onSnapshot(
          (snap) => {
            if (!snap.empty && !settled && !expired) void tryClaim();
          },
          (error) => settle({ error }),
        ),
      );
    const watches = watchPending(shards);
    if (wait.delayed === true)
      watches.push(nextLaterJob(laterShardOf(wait.queue)).onSnapshot(watchLater, (error) => settle({ error })));
    // The queue's summary: a resume writes it, not a pending job (try again when it runs); and a
    // tag set first recorded during the wait is written there before its first job, whose shards
    // nothing watched yet: watch them too, or that job would wait out the deadline.
    const tags = wait.tags ?? [];
    if (wait.pausable === true || tags.length > 0) {
      let first = true;
      const onSummary = (snap: DocumentSnapshot<QueueTagSetsDoc>) => {
        if (settled) return;
        const summary = snap.data();
        const fresh =
          tags.length === 0 ? [] : eligibleOf(summary?.tagSets ?? [], tags).filter((s) => !watchedSets.has(s));
        for (const set of fresh) watchedSets.add(set);
        if (fresh.length > 0) unsubscribe.push(...watchPending(shardsOf(wait.queue, fresh)));
        const paused = wait.pausable === true && notePaused(wait.queue, summary);
        if (!first && !paused && !expired) void tryClaim();
        first = false;
      };
      watches.push(queueTagSets(wait.queue).onSnapshot(onSummary, (error) => settle({ error })));
    }
    unsubscribe.push(...watches, () => clearTimeout(dueTimer));
  });
}
