import { Timestamp } from "firebase-admin/firestore";
import { db } from "../../data/firestore";
import { extendLease } from "../jobs/extendLease";
import { messagesAfter } from "../../data/jobMessages";
import { HELD_STATUSES } from "../jobs/model";
import { endTimedOut, isTimedOut, timedOutConflict } from "../jobs/timeout";
import { assertHolds } from "../jobs/leaseGuard";
import type { JobsRunner } from "./heldJob";
import { holderOf, MAX_MESSAGES_PER_HEARTBEAT } from "./model";
import { jobRef, ownedInTransaction } from "./ownedJob";
import { phaseBeat, type PhaseReport } from "./phases";
import type { JobHeartbeat } from "../../../../contract/src/jobs";

/**
 * Extends the lease and answers what the holder must know: cancel or pause requested, and the
 * messages not yet delivered. A beat past the job's `timeoutMs` ends it FAILED (TIMED_OUT) and
 * answers 409 TIMED_OUT: the runner stops the work.
 *
 * Without `ackedMessageSeq`, the messages an answer carries are marked delivered in this same
 * transaction, so two heartbeats racing each other conflict on the job document and only one
 * carries each message; an answer lost on the way loses them. With it, what is marked delivered
 * is what the runner acknowledges (up to the newest posted), and the answer carries everything
 * after that, again until acknowledged: no message is lost, and the runner, which drops seqs it
 * has seen, acts on each once.
 */
export async function heartbeatJob(
  runner: JobsRunner,
  jobId: string,
  token: string,
  now: Date,
  ackedMessageSeq?: number,
  phaseReport: PhaseReport = {},
): Promise<JobHeartbeat> {
  const ref = jobRef(jobId);
  const at = Timestamp.fromDate(now);
  const answer = await db().runTransaction(async (tx) => {
    const job = await ownedInTransaction(tx, runner.teamId, jobId);
    const holder = holderOf(runner.teamId, runner.runnerId);
    // Past its deadline, the holder's beat ends the job (TIMED_OUT) and is answered 409 below.
    const own = job.lease?.holder === holder && job.lease.token === token && HELD_STATUSES.includes(job.status);
    if (own && isTimedOut(job, now)) {
      await endTimedOut(tx, ref, job, at);
      return null;
    }
    assertHolds(job, holder, now, token);
    const phases = phaseBeat(job, phaseReport);
    const posted = job.messageSeq ?? 0;
    const stored = job.messageDeliveredSeq ?? 0;
    // Marked a window at a time, like the answers: an acknowledgement past it is taken up next beat.
    const acked =
      ackedMessageSeq === undefined
        ? stored
        : Math.max(stored, Math.min(ackedMessageSeq, posted, stored + MAX_MESSAGES_PER_HEARTBEAT));
    const [newlyAcked, waiting] = await Promise.all([
      acked > stored ? tx.get(messagesAfter(jobId, stored, acked - stored)).then((q) => q.docs) : [],
      posted > acked ? tx.get(messagesAfter(jobId, acked, MAX_MESSAGES_PER_HEARTBEAT)).then((q) => q.docs) : [],
    ]);
    const markDelivered = ackedMessageSeq === undefined ? waiting : newlyAcked;
    const deliveredSeq = ackedMessageSeq === undefined ? (waiting[waiting.length - 1]?.data().seq ?? stored) : acked;
    const expiresAt = extendLease(tx, ref, job, now, {
      status: "RUNNING",
      messageDeliveredSeq: deliveredSeq,
      ...phases.fields,
    });
    for (const m of markDelivered) tx.update(m.ref, { delivered: true, deliveredAt: at, deliveredTo: runner.runnerId });
    return {
      status: "RUNNING" as const,
      leaseExpiresAt: expiresAt.toDate().toISOString(),
      cancelRequested: job.control.cancelRequested,
      pauseRequested: job.control.pauseRequested,
      messages: waiting.map((m) => {
        const message = m.data();
        return { seq: message.seq, text: message.text, createdAt: message.createdAt.toDate().toISOString() };
      }),
      rerunPhase: phases.rerunPhase,
    };
  });
  if (answer === null) throw timedOutConflict();
  return answer;
}
