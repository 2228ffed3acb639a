import { Timestamp, type QueryDocumentSnapshot } from "firebase-admin/firestore";
import { dueJobs, dueLaterJobs } from "../../data/jobs";
import { db } from "../../data/firestore";
import { isLostRace } from "./claimJobs";
import { laterShardOf, pendingShardFor, type JobDoc } from "./model";

/** Due jobs one promotion moves; the next one takes the rest. */
export const PROMOTE_BATCH = 50;
/**
 * How often one process looks at a queue's later shard while claiming: a delayed job is leased at
 * most this late, and a busy queue pays one extra read this often per process, not per claim.
 */
export const LATER_CHECK_MS = 1_000;

/** When this process last looked at each queue's later shard (performance.now()). */
const lastChecked = new Map<string, number>();

/**
 * Moves `queue`'s due delayed jobs into its pending index, where claims see them in priority
 * order; at most once per LATER_CHECK_MS per process. Each move is a conditional write on the
 * version read (with the metrics' delayed-to-pending move in the same commit), so concurrent
 * promoters move a job once, and a job changed meanwhile (cancelled) is left alone.
 */
export async function promoteDueJobsOf(queue: string, now: Date): Promise<number> {
  const at = performance.now();
  if (at - (lastChecked.get(queue) ?? Number.NEGATIVE_INFINITY) < LATER_CHECK_MS) return 0;
  lastChecked.set(queue, at);
  if (lastChecked.size > 10_000) lastChecked.clear();
  const due = await dueLaterJobs(laterShardOf(queue), Timestamp.fromDate(now), PROMOTE_BATCH).get();
  return promote(due.docs, now);
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
