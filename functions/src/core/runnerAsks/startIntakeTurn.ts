import { createHash } from "node:crypto";
import { Timestamp } from "firebase-admin/firestore";
import {
  capabilityTag,
  INTAKE_MAX_SESSION_TOKENS,
  INTAKE_MAX_TURN_OUTPUT_TOKENS,
  INTAKE_MAX_TURNS,
  LLM,
  type IntakeStreamBody,
  type LlmPayload,
} from "../../../../contract/src/capabilities";
import { db } from "../../data/firestore";
import { intakeSessions, type IntakeSessionDoc } from "../../data/runnerAsks";
import { Conflict } from "../../http/errors";
import { isFinal } from "../jobsApi/model";
import { jobRef } from "../jobsApi/ownedJob";
import {
  newRunnerJobId,
  prepareRunnerJob,
  queueRunnerJob,
  turnOutputTokens,
  type LlmFields,
  type LlmJob,
} from "./runnerJobs";

/** How long a session's budget record is kept after its last turn (TTL on `expireAt`). */
export const INTAKE_SESSION_TTL_MS = 7 * 24 * 60 * 60 * 1000;

export type TurnStart = { kind: "queued"; jobId: string } | { kind: "budget"; message: string };

/**
 * Starts one intake turn: checks the session's budget and queues the turn as an `llm` job for a
 * runner offering `llm`, in one transaction on the session's record, so two turns racing for the
 * last one of the budget cannot both start. The previous turn's output is added to the session's
 * total here (it has ended: one turn at a time per session), so nothing else has to write the
 * session when a job ends.
 */
export async function startIntakeTurn(
  teamId: string,
  actor: string,
  body: IntakeStreamBody,
  leaseMs: number,
  now: Date,
): Promise<TurnStart> {
  const jobId = newRunnerJobId();
  const input = {
    kind: "llm" as const,
    teamId,
    actor,
    offer: capabilityTag(LLM),
    leaseMs,
  };
  await prepareRunnerJob({ ...input, payload: {} });
  const sessionRef = intakeSessions(teamId).doc(sessionKey(body.sessionId));
  return db().runTransaction(async (tx): Promise<TurnStart> => {
    const session = (await tx.get(sessionRef)).data();
    let used = session?.outputTokens ?? 0;
    if (session !== undefined && session.currentJobId !== null) {
      const previous = (await tx.get(jobRef(session.currentJobId))).data() as LlmJob | undefined;
      if (previous !== undefined && !isFinal(previous.status))
        throw new Conflict("TURN_IN_PROGRESS", "This session's previous turn has not ended yet; one turn at a time.");
      if (previous !== undefined) used += turnOutputTokens(previous);
    }
    const turns = session?.turns ?? 0;
    const at = Timestamp.fromDate(now);
    const settled = { outputTokens: used, currentJobId: null, updatedAt: at };
    if (turns >= INTAKE_MAX_TURNS || used >= INTAKE_MAX_SESSION_TOKENS) {
      if (session !== undefined) tx.update(sessionRef, settled);
      return {
        kind: "budget",
        message:
          turns >= INTAKE_MAX_TURNS
            ? `This session has used its ${INTAKE_MAX_TURNS} turns; start a new session.`
            : `This session has used its ${INTAKE_MAX_SESSION_TOKENS} output tokens; start a new session.`,
      };
    }
    const maxOutputTokens = Math.min(INTAKE_MAX_TURN_OUTPUT_TOKENS, INTAKE_MAX_SESSION_TOKENS - used);
    const payload: LlmPayload = {
      sessionId: body.sessionId,
      messages: body.messages,
      model: body.model ?? null,
      provider: body.provider ?? null,
      context: body.context,
      maxOutputTokens,
    };
    const llm: LlmFields = { chunks: 0, outputTokens: 0, maxOutputTokens, intake: null, stoppedFor: null };
    await queueRunnerJob(tx, jobId, { ...input, payload, extra: { llm } }, now);
    const record: IntakeSessionDoc = {
      turns: turns + 1,
      outputTokens: used,
      currentJobId: jobId,
      createdAt: session?.createdAt ?? at,
      updatedAt: at,
      expireAt: Timestamp.fromMillis(now.getTime() + INTAKE_SESSION_TTL_MS),
    };
    tx.set(sessionRef, record);
    return { kind: "queued", jobId };
  });
}

/** A session's record id: any caller-chosen session id becomes a valid, fixed-length document id. */
export function sessionKey(sessionId: string): string {
  return createHash("sha256").update(sessionId, "utf8").digest("hex");
}
