import { db } from "../../data/firestore";
import { tokenChunkRef } from "../../data/runnerAsks";
import { Conflict } from "../../http/errors";
import { endingHash, endJob } from "../jobs/endJob";
import { extendLease } from "../jobs/extendLease";
import { planLogIntake } from "../jobsApi/appendRunnerLogs";
import { holdInTransaction, type JobsRunner } from "../jobsApi/heldJob";
import { holderOf } from "../jobsApi/model";
import { jobRef } from "../jobsApi/ownedJob";
import type { LlmJob } from "./runnerJobs";

export interface TokenPost {
  /** Chunks this lease sent before `chunks[0]`. */
  offset: number;
  chunks: readonly string[];
  /** The turn's output tokens so far, as the provider reports them. */
  outputTokens?: number;
}

/** Why the server ended a turn, as the intake stream tells its caller. */
export const BUDGET_ERROR = "budget: the turn passed its output token budget";

/**
 * Stores a batch of an `llm` job's output for its holder, in order, once (a retried batch is
 * recognised by its offset, as log batches are). The turn's output tokens are the runner's count
 * or one a chunk, whichever is more; past the turn's budget the job ends FAILED here, in the same
 * write (pieces past the allowance are dropped), and the answer says `stop` (the runner ends its
 * call; its later posts get 409). Otherwise the post extends the lease, as a log append does.
 */
export async function appendTokens(runner: JobsRunner, jobId: string, token: string, post: TokenPost, now: Date) {
  const ref = jobRef(jobId);
  return db().runTransaction(async (tx) => {
    const job = (await holdInTransaction(tx, runner, jobId, token, now)) as LlmJob;
    if (job.kind !== "llm" || job.llm === undefined)
      throw new Conflict("NOT_AN_LLM_JOB", "Only llm jobs (intake turns) take tokens; send output as logs.");
    const llm = job.llm;
    const received = llm.intake?.token === token ? llm.intake.next : 0;
    const plan = planLogIntake(received, post.offset, post.chunks.length);
    if ("gap" in plan)
      throw new Conflict(
        "TOKEN_OFFSET_GAP",
        `Chunks before offset ${post.offset} are missing; resend from ${received}.`,
        {
          expectedOffset: received,
        },
      );
    // Every piece counts at least one token: pieces past the turn's allowance are not stored.
    const sent = post.chunks.slice(plan.skip);
    const fresh = sent.slice(0, Math.max(0, llm.maxOutputTokens - llm.chunks));
    const chunks = llm.chunks + fresh.length;
    const outputTokens = Math.max(llm.outputTokens, post.outputTokens ?? 0, llm.chunks + sent.length);
    const over = outputTokens > llm.maxOutputTokens;
    // Reads first (the end hooks read), then every write.
    const ending = over
      ? await endJob(tx, ref, job, {
          holder: holderOf(runner.teamId, runner.runnerId),
          token,
          status: "FAILED",
          hash: endingHash(["budget", jobId]),
          conflictCode: "ALREADY_FINISHED",
          now,
          fields: () => ({
            error: BUDGET_ERROR,
            llm: { ...llm, chunks, outputTokens, intake: null, stoppedFor: "budget" },
          }),
        })
      : null;
    fresh.forEach((text, i) => tx.create(tokenChunkRef(jobId, llm.chunks + i), { seq: llm.chunks + i, text }));
    const nextOffset = post.offset + post.chunks.length;
    // Output is proof of life, as log lines are: each post extends the lease.
    if (ending === null)
      extendLease(tx, ref, job, now, { llm: { ...llm, chunks, outputTokens, intake: { token, next: nextOffset } } });
    return { accepted: fresh.length, nextOffset, stop: over };
  });
}
