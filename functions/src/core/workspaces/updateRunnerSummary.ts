import type { RunnerPrincipal } from "../../auth/authenticate";
import { db } from "../../data/firestore";
import { messages, workspaces } from "../../data/workspaces";
import { assert, InvalidArgument } from "../../http/errors";
import { activeJobRef, holdInTransaction } from "./heldWorkspaceJob";

export { MAX_SUMMARY_CHARS } from "../../../../contract/src/workspace";

export interface SummaryInput {
  summaryText: string;
  fromMessageId: string;
  throughMessageId: string;
}

/** Both ids must be user messages of this workspace, `from` not after `through`. */
export async function updateRunnerSummary(
  runner: RunnerPrincipal,
  workspaceId: string,
  input: SummaryInput,
  now: Date,
): Promise<void> {
  const { jobRef } = await activeJobRef(workspaceId);
  const ref = workspaces().doc(workspaceId);
  await db().runTransaction(async (tx) => {
    await holdInTransaction(tx, jobRef, runner, now);
    const [from, through] = await Promise.all([
      tx.get(messages(ref).doc(input.fromMessageId)),
      tx.get(messages(ref).doc(input.throughMessageId)),
    ]);
    const a = from.data();
    const b = through.data();
    assert(
      a !== undefined && a.role === "user",
      new InvalidArgument("UNKNOWN_MESSAGE", "fromMessageId is not a user message of this workspace."),
    );
    assert(
      b !== undefined && b.role === "user",
      new InvalidArgument("UNKNOWN_MESSAGE", "throughMessageId is not a user message of this workspace."),
    );
    assert(a.seq <= b.seq, new InvalidArgument("MESSAGES_OUT_OF_ORDER", "fromMessageId comes after throughMessageId."));
    tx.update(ref, { priorSummary: { text: input.summaryText, fromMessageId: from.id, throughMessageId: through.id } });
  });
}
