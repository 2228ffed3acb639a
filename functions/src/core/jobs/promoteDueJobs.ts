import { Timestamp, type QueryDocumentSnapshot, type QuerySnapshot } from "firebase-admin/firestore";
import { dueJobs, dueLaterJobs, nextLaterJob } from "../../data/jobs";
import { liveQuery, watchQuery, type Subscriber, type Watching } from "../../data/live";
import { db } from "../../data/firestore";
import { isLostRace } from "./claimJobs";
import { laterShardOf, pendingShardFor, type JobDoc } from "./model";

/** Due jobs one promotion moves; the next one takes the rest. */
export const PROMOTE_BATCH = 50;
/**
 * How often one process moves a queue's due jobs while claiming: a busy queue pays the due-job
 * query at most this often per process, not once per claim.
 */
export const LATER_CHECK_MS = 1_000;

/** When this process last moved each queue's due jobs (performance.now()). */
const lastChecked = new Map<string, number>();

/**
 * Moves `queue`'s due delayed jobs into its pending index, where claims see them in priority
 * order. Whether any is due comes from this process's listener on the queue's next delayed job
 * (no read per claim); when one is, the due ones are read and moved, at most once per
 * LATER_CHECK_MS per process. Each move is a conditional write on the version read (with the
 * metrics' delayed-to-pending move in the same commit), so concurrent promoters move a job once,
 * and a job changed meanwhile (cancelled) is left alone.
 */
export async function promoteDueJobsOf(queue: string, now: Date): Promise<number> {
  const next = (await nextDelayed(queue))?.runAt;
  if (next === undefined || next === null || next.toMillis() > now.getTime()) return 0;
  const at = performance.now();
  if (at - (lastChecked.get(queue) ?? Number.NEGATIVE_INFINITY) < LATER_CHECK_MS) return 0;
  lastChecked.set(queue, at);
  if (lastChecked.size > 10_000) lastChecked.clear();
  const due = await dueLaterJobs(laterShardOf(queue), Timestamp.fromDate(now), PROMOTE_BATCH).get();
  return promote(due.docs, now);
}

/** The queue's next delayed job, due or not, as this process's listener on it holds it. */
export async function nextDelayed(queue: string): Promise<JobDoc | undefined> {
  return (await liveQuery(laterKey(queue), nextLaterJob(laterShardOf(queue)))).docs[0]?.data();
}

/** Subscribes to that same listener (a waiting call's timer on the next due job, see `queueWatch`). */
export function watchNextDelayed(
  queue: string,
  subscriber: Subscriber<QuerySnapshot<JobDoc>>,
): Promise<Watching<QuerySnapshot<JobDoc>>> {
  return watchQuery(laterKey(queue), nextLaterJob(laterShardOf(queue)), subscriber);
}

/** One name for the listener, so claims and waits of a process share it. */
function laterKey(queue: string): string {
  return `later:${queue}`;
}

/** Every queue's due delayed jobs, a batch at a time: the reaper's backstop for queues nobody claims from. */
export async function promoteDueJobs(now: Date, batch = PROMOTE_BATCH): Promise<number> {
  const due = await dueJobs(Timestamp.fromDate(now), batch).get();
  return promote(due.docs, now);
}

async function promote(docs: QueryDocumentSnapshot<JobDoc>[], now: Date): Promise<number> {
  const moved = await Promise.all(
    docs.map(async (doc) => {
      const job = doc.data();
      if (job.status !== "PENDING" || job.pendingShard !== laterShardOf(job.queue)) return false;
      const pendingShard = pendingShardFor(job.queue, doc.id, job.tags);
      try {
        const batch = db().batch();
        batch.update(
          doc.ref,
          { pendingShard, runAt: null, updatedAt: Timestamp.fromDate(now) },
          { lastUpdateTime: doc.updateTime },
        );
        await batch.commit();
        return true;
      } catch (error) {
        if (isLostRace(error)) return false;
        throw error;
      }
    }),
  );
  return moved.filter(Boolean).length;
}
