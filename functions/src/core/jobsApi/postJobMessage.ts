import { Timestamp } from "firebase-admin/firestore";
import { db } from "../../data/firestore";
import { jobMessages, messageId, type JobMessageDoc } from "../../data/jobMessages";
import { assert, Conflict } from "../../http/errors";
import { isFinal, MAX_UNDELIVERED_MESSAGES } from "./model";
import { jobRef, ownedInTransaction } from "./ownedJob";

/**
 * Queues a message for whoever holds the job (now or next). The sequence number comes from the
 * job document in the same transaction, so heartbeats, which advance the delivery mark on that
 * document, see every message exactly once.
 */
export async function postJobMessage(teamId: string, sentBy: string, jobId: string, text: string, now: Date) {
  return db().runTransaction(async (tx) => {
    const job = await ownedInTransaction(tx, teamId, jobId);
    assert(
      !isFinal(job.status),
      new Conflict("JOB_FINISHED", `The job already ended (${job.status}).`, { status: job.status }),
    );
    const posted = job.messageSeq ?? 0;
    const delivered = job.messageDeliveredSeq ?? 0;
    assert(
      posted - delivered < MAX_UNDELIVERED_MESSAGES,
      new Conflict(
        "TOO_MANY_UNDELIVERED_MESSAGES",
        `${MAX_UNDELIVERED_MESSAGES} messages are waiting for the runner already.`,
        { limit: MAX_UNDELIVERED_MESSAGES },
      ),
    );
    const seq = posted + 1;
    const at = Timestamp.fromDate(now);
    const message: JobMessageDoc = {
      seq,
      text,
      sentBy,
      createdAt: at,
      delivered: false,
      deliveredAt: null,
      deliveredTo: null,
    };
    tx.create(jobMessages(jobId).doc(messageId(seq)), message);
    tx.update(jobRef(jobId), { messageSeq: seq, updatedAt: at });
    return { seq, text, delivered: false, createdAt: now.toISOString() };
  });
}
