import { FieldValue, Timestamp } from "firebase-admin/firestore";
import { db } from "../../data/firestore";
import { messages, workspaces, type MessageDoc, type WorkspaceDoc } from "../../data/workspaces";
import { assert, NotFound } from "../../http/errors";
import { settleIn } from "./workspaceState";

/**
 * Appends a user message; the sequence number comes from the workspace (settled with its job, whose
 * reply may have taken the last number) in the same transaction.
 */
export async function postMessage(
  teamId: string,
  workspaceId: string,
  input: { text: string; subtitle?: string },
  now: Date,
) {
  const ref = workspaces().doc(workspaceId);
  return db().runTransaction(async (tx) => {
    const stored: WorkspaceDoc | undefined = (await tx.get(ref)).data();
    assert(stored !== undefined && stored.teamId === teamId, new NotFound("WORKSPACE_NOT_FOUND", "No such workspace."));
    // After the active job's reply, if it completed since (its seq is in the job: see workspaceState).
    const ws = await settleIn(tx, stored);
    const seq = ws.messageSeq + 1;
    const message: MessageDoc = {
      role: "user",
      text: input.text,
      subtitle: input.subtitle ?? null,
      seq,
      jobId: null,
      createdAt: Timestamp.fromDate(now),
    };
    const messageRef = messages(ref).doc();
    tx.create(messageRef, message);
    tx.update(ref, {
      messageSeq: seq,
      messageCount: FieldValue.increment(1),
      activeJobId: ws.activeJobId,
      lastJobStatus: ws.lastJobStatus,
      updatedAt: Timestamp.fromDate(now),
    });
    return { id: messageRef.id, ...message };
  });
}
