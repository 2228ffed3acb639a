import { Timestamp } from "firebase-admin/firestore";
import { db } from "../../data/firestore";
import { messagesAfter } from "../../data/jobMessages";
import { holdInTransaction, type JobsRunner } from "./heldJob";
import { MAX_MESSAGES_PER_HEARTBEAT } from "./model";
import { jobRef } from "./ownedJob";

/**
 * Extends the lease and answers what the holder must know: cancel or pause requested, and the
 * messages not yet delivered. Those are marked delivered in this same transaction, so two
 * heartbeats racing each other conflict on the job document and only one carries each message.
 */
export async function heartbeatJob(runner: JobsRunner, jobId: string, token: string, now: Date) {
  const ref = jobRef(jobId);
  const at = Timestamp.fromDate(now);
  return db().runTransaction(async (tx) => {
    const job = await holdInTransaction(tx, runner, jobId, token, now);
    const delivered = job.messageDeliveredSeq ?? 0;
    const waiting = (job.messageSeq ?? 0) > delivered ? (await tx.get(messagesAfter(jobId, delivered, MAX_MESSAGES_PER_HEARTBEAT))).docs : [];
    const expiresAt = Timestamp.fromMillis(now.getTime() + job.leaseMs);
    const last = waiting[waiting.length - 1]?.data().seq ?? delivered;
    tx.update(ref, { status: "RUNNING", "lease.expiresAt": expiresAt, leaseExpiresAt: expiresAt, updatedAt: at, messageDeliveredSeq: last });
    for (const m of waiting) tx.update(m.ref, { delivered: true, deliveredAt: at, deliveredTo: runner.runnerId });
    return {
      status: "RUNNING" as const,
      leaseExpiresAt: expiresAt.toDate().toISOString(),
      cancelRequested: job.control.cancelRequested,
      pauseRequested: job.control.pauseRequested,
      messages: waiting.map((m) => {
        const message = m.data();
        return { seq: message.seq, text: message.text, createdAt: message.createdAt.toDate().toISOString() };
      }),
    };
  });
}
