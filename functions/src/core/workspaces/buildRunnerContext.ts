import type { RunnerPrincipal } from "../../auth/authenticate";
import { messages, workspaces } from "../../data/workspaces";
import { assertHoldsWorkspace } from "./heldWorkspaceJob";
import type { ContextMessage, WorkspaceContext } from "../../../../contract/src/workspace";

/** The newest user messages sent as they are; older ones are "prior". */
export const RECENT_MESSAGE_COUNT = 6;
/** Prior history longer than this (estimated tokens) should be summarised, not sent verbatim. */
export const PRIOR_VERBATIM_TOKEN_LIMIT = 8_000;
/** Most user messages loaded into a context. */
export const MAX_CONTEXT_MESSAGES = 500;
/** Rough tokens-per-character of English prose, used for the estimates. */
const CHARS_PER_TOKEN = 4;

export type { ContextMessage };

export function estimateTokens(text: string): number {
  return Math.ceil(text.length / CHARS_PER_TOKEN);
}

function joinMessages(list: ContextMessage[]): string {
  return list.map((m) => (m.subtitle === undefined ? m.text : `${m.subtitle}\n${m.text}`)).join("\n\n");
}

/** Every field of spec/workspace-runner-api.md's context, always present with its type. */
export async function buildRunnerContext(
  runner: RunnerPrincipal,
  workspaceId: string,
  now: Date,
): Promise<WorkspaceContext> {
  await assertHoldsWorkspace(workspaceId, runner, now);
  const ref = workspaces().doc(workspaceId);
  const [wsSnap, newestFirst] = await Promise.all([
    ref.get(),
    messages(ref)
      .orderBy("seq", "desc")
      .limit(MAX_CONTEXT_MESSAGES * 2)
      .get(),
  ]);
  const ws = wsSnap.data();
  const userMessages: ContextMessage[] = newestFirst.docs
    .map((d) => ({ id: d.id, ...d.data() }))
    .filter((m) => m.role === "user")
    .slice(0, MAX_CONTEXT_MESSAGES)
    .reverse()
    .map((m) => ({
      id: m.id,
      role: "user" as const,
      text: m.text,
      ...(m.subtitle !== null ? { subtitle: m.subtitle } : {}),
      createdAtMs: m.createdAt.toMillis(),
    }));
  const split = Math.max(0, userMessages.length - RECENT_MESSAGE_COUNT);
  const priorMessages = userMessages.slice(0, split);
  const recentMessages = userMessages.slice(split);
  const recentText = joinMessages(recentMessages);
  const priorTextVerbatim = joinMessages(priorMessages);
  const priorTokenEstimate = estimateTokens(priorTextVerbatim);
  const summary = ws?.priorSummary ?? null;
  const first = priorMessages[0];
  const last = priorMessages[priorMessages.length - 1];
  return {
    workspaceId,
    title: ws?.title ?? null,
    legacyIdea: ws?.idea ?? null,
    messageCount: ws?.messageCount ?? userMessages.length,
    recentMessages,
    priorMessages,
    recentText,
    priorTextVerbatim,
    recentTokenEstimate: estimateTokens(recentText),
    priorTokenEstimate,
    priorNeedsSummarization: priorTokenEstimate > PRIOR_VERBATIM_TOKEN_LIMIT,
    storedPriorSummary: summary,
    storedSummaryCoversPrior:
      summary !== null &&
      first !== undefined &&
      last !== undefined &&
      summary.fromMessageId === first.id &&
      summary.throughMessageId === last.id,
  };
}
