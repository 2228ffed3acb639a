import { queueWatch, type Candidate, type Waiter } from "./queueWatch";
import { handBack, type HeldLease } from "./releaseLease";

export interface LeaseWait<T> {
  /** The queue the runner leases from. */
  queue: string;
  /** The tags it carries (which pending tag sets to watch). */
  tags: readonly string[] | undefined;
  /** Jobs one claim may take. */
  limit: number;
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
 * The face's claim, given the time of the try and the jobs a listener offered it (`hint`: try
 * these first, with no read; empty for a poll).
 */
export type Attempt<T> = (now: Date, hint: Candidate[]) => Promise<T[]>;

/**
 * Without a wait, runs the face's claim once. With one, waits on the process's watch of the
 * queue (`queueWatch`): its listeners are shared by every waiting call of the process and stay
 * open between calls, so a wait reads nothing of its own. When a job the caller may take is
 * pending (already, or written during the wait), the watch offers it to this caller alone, which
 * claims it with one conditional write; empty at the deadline. No polling. A try under way at the
 * deadline is waited for, so a lease taken is never dropped unanswered. A caller that goes away
 * (`signal`) ends the wait; jobs a try under way took for it go back to the queue at once, no
 * attempt counted, instead of sitting out a lease nobody will use.
 */
export async function leaseOrWait<T>(wait: LeaseWait<T>, attempt: Attempt<T>, now: Date): Promise<T[]> {
  const got = await waitForWork(wait, attempt, now);
  if (got.length > 0 && wait.signal?.aborted === true) {
    await handBack(got.map(wait.leaseOf), new Date());
    return [];
  }
  return got;
}

async function waitForWork<T>(wait: LeaseWait<T>, attempt: Attempt<T>, now: Date): Promise<T[]> {
  if (wait.waitMs <= 0 || wait.signal?.aborted === true) return attempt(now, []);
  const watch = queueWatch(wait.queue, { delayed: wait.delayed === true, pausable: wait.pausable === true });
  return new Promise<T[]>((resolve, reject) => {
    let trying = false;
    let expired = false;
    let settled = false;
    const settle = (outcome: { value: T[] } | { error: unknown }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      wait.signal?.removeEventListener("abort", stopWaiting);
      watch.remove(waiter);
      if ("value" in outcome) resolve(outcome.value);
      else reject(outcome.error instanceof Error ? outcome.error : new Error(String(outcome.error)));
    };
    const tryClaim = async (hint: Candidate[]) => {
      trying = true;
      try {
        const got = await attempt(new Date(), hint);
        if (got.length > 0) return settle({ value: got });
        if (expired) return settle({ value: [] });
      } catch (error) {
        return settle({ error });
      } finally {
        trying = false;
      }
      watch.idle(waiter);
    };
    const waiter: Waiter = {
      tags: wait.tags,
      limit: wait.limit,
      wake: (hint) => void tryClaim(hint),
      fail: (error) => settle({ error }),
    };
    const stopWaiting = () => {
      expired = true;
      if (!trying) settle({ value: [] });
    };
    const timer = setTimeout(stopWaiting, wait.waitMs);
    wait.signal?.addEventListener("abort", stopWaiting, { once: true });
    watch.add(waiter).catch((error: unknown) => settle({ error }));
  });
}
