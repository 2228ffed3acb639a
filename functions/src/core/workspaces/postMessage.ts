import { FieldValue, Timestamp } from "firebase-admin/firestore";
import { db } from "../../data/firestore";
import { messages, workspaces, type MessageDoc, type WorkspaceDoc } from "../../data/workspaces";
import { assert, NotFound } from "../../http/errors";

/** Appends a user message; the sequence number comes from the workspace in the same transaction. */
export async function postMessage(
  teamId: string,
  workspaceId: string,
  input: { text: string; subtitle?: string },
  now: Date,
) {
  const ref = workspaces().doc(workspaceId);
  return db().runTransaction(async (tx) => {
    const snap = await tx.get(ref);
    const ws: WorkspaceDoc | undefined = snap.data();
    assert(ws !== undefined && ws.teamId === teamId, new NotFound("WORKSPACE_NOT_FOUND", "No such workspace."));
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
    tx.update(ref, { messageSeq: seq, messageCount: FieldValue.increment(1), updatedAt: Timestamp.fromDate(now) });
    return { id: messageRef.id, ...message };
  });
}
