import * as logger from "firebase-functions/logger";
import { tokenChunksFrom } from "../../data/runnerAsks";
import { STREAM_KEEPALIVE_MS, type StreamSink } from "../jobsApi/streamJob";
import { controlJob, withdrawQueuedJob } from "../jobsApi/controlJob";
import { isFinal } from "../jobsApi/model";
import { jobRef } from "../jobsApi/ownedJob";
import { turnOutputTokens, type LlmJob } from "./runnerJobs";

/** One intake SSE event (seed 002): JSON on an unnamed (`message`) frame, told apart by `type`. */
export type IntakeEvent =
  | { type: "token"; text: string }
  | { type: "done"; usage: { outputTokens: number; inputTokens?: number } }
  | { type: "error"; message: string; reason?: string };

export function intakeFrame(event: IntakeEvent): string {
  return `data: ${JSON.stringify(event)}\n\n`;
}

export interface IntakeStreamOptions {
  teamId: string;
  /** How long the turn may wait for a runner to take it (then cancelled: `no-llm`). */
  leaseWaitMs: number;
  /** Longest the response stays open (then the turn is cancelled: `timeout`). */
  maxMs: number;
  keepaliveMs?: number;
  /** Aborted when the caller goes away: the stream stops, the turn goes on. */
  signal?: AbortSignal;
}

/**
 * Streams one intake turn: its output chunks as `token` events, in order, then `done` (with
 * usage) or `error`. Fed by two Firestore listeners, the job and its chunks, so a chunk reaches
 * the caller as soon as the runner's post commits; nothing polls. The turn ends when the job has
 * ended and every chunk it counts has been sent. A caller that goes away stops the stream, not
 * the turn (seed 002: the LLM call runs to completion).
 */
export function streamIntakeTurn(jobId: string, sink: StreamSink, options: IntakeStreamOptions): Promise<void> {
  return new Promise<void>((resolve) => {
    let job: LlmJob | undefined;
    let nextSeq = 0;
    const waiting = new Map<number, string>();
    let finished = false;
    let writing: Promise<void> = Promise.resolve();
    const stops: (() => void)[] = [];
    const send = (event: IntakeEvent) => {
      writing = writing.then(() => (sink.closed() ? undefined : sink.write(intakeFrame(event))));
    };
    const finish = (last: IntakeEvent | null) => {
      if (finished) return;
      finished = true;
      for (const stop of stops) stop();
      if (last !== null) send(last);
      void writing.then(resolve, resolve);
    };
    const cancelTurn = (event: IntakeEvent | null) => {
      // Cancelled first (a PENDING turn ends at once; a held one is told in its next heartbeat), then told.
      void controlJob(options.teamId, jobId, "cancel", new Date())
        .catch((error: unknown) => logger.warn("intake cancel failed", { jobId, error: String(error) }))
        .finally(() => finish(event));
    };
    // The event the stream ends with when a turn nobody took is withdrawn (its job listener sees
    // CANCELLED, maybe before the withdrawal's own answer: it ends with this event, not `cancelled`).
    let withdrawing: IntakeEvent | null = null;
    /**
     * Takes back a turn no runner has taken (withdrawQueuedJob). A runner that took it at that very
     * moment keeps it: the stream goes on (or, for a caller gone, just stops).
     */
    const withdrawTurn = (event: IntakeEvent | null, reason: string) => {
      if (event !== null) withdrawing = event;
      void withdrawQueuedJob(options.teamId, jobId, reason, new Date()).then(
        (left) => {
          if (left.withdrawn || event === null) finish(event);
          else withdrawing = null;
        },
        (error: unknown) => {
          logger.warn("intake withdraw failed", { jobId, error: String(error) });
          finish(event);
        },
      );
    };
    const advance = () => {
      if (finished) return;
      for (let text = waiting.get(nextSeq); text !== undefined; text = waiting.get(nextSeq)) {
        waiting.delete(nextSeq);
        nextSeq += 1;
        send({ type: "token", text });
      }
      if (job === undefined || !isFinal(job.status) || nextSeq < (job.llm?.chunks ?? 0)) return;
      finish(job.status === "CANCELLED" && withdrawing !== null ? withdrawing : endingOf(job));
    };
    const fail = (error: unknown) => {
      logger.error("intake stream listener failed", { jobId, error: String(error) });
      finish({
        type: "error",
        message: "The stream broke on our side; the turn may still finish.",
        reason: "internal",
      });
    };
    stops.push(
      jobRef(jobId).onSnapshot((snap) => {
        job = snap.data() as LlmJob | undefined;
        advance();
      }, fail),
    );
    stops.push(
      tokenChunksFrom(jobId, 0).onSnapshot((snap) => {
        for (const change of snap.docChanges()) {
          if (change.type !== "added") continue;
          const chunk = change.doc.data();
          if (chunk.seq >= nextSeq) waiting.set(chunk.seq, chunk.text);
        }
        advance();
      }, fail),
    );
    const leaseTimer = setTimeout(() => {
      if (job === undefined || job.status === "PENDING")
        withdrawTurn(
          { type: "error", message: "No runner with llm took the turn in time.", reason: "no-llm" },
          `No runner with llm took the turn within ${options.leaseWaitMs} ms.`,
        );
    }, options.leaseWaitMs);
    const maxTimer = setTimeout(
      () => cancelTurn({ type: "error", message: "The turn took too long and was cancelled.", reason: "timeout" }),
      options.maxMs,
    );
    const keepalive = setInterval(() => {
      writing = writing.then(() => (sink.closed() ? undefined : sink.write(": keepalive\n\n")));
      if (sink.closed()) finish(null);
    }, options.keepaliveMs ?? STREAM_KEEPALIVE_MS);
    // A caller gone before any runner took the turn takes it back: nobody would read it, and the
    // session's next turn would wait for it. A turn under way runs to completion (seed 002).
    const gone = () =>
      job === undefined || job.status === "PENDING"
        ? withdrawTurn(null, "The caller went away before a runner took the turn.")
        : finish(null);
    options.signal?.addEventListener("abort", gone);
    if (options.signal?.aborted === true) gone();
    stops.push(() => {
      options.signal?.removeEventListener("abort", gone);
      clearTimeout(leaseTimer);
      clearTimeout(maxTimer);
      clearInterval(keepalive);
    });
  });
}

/** The last event of an ended turn. */
export function endingOf(job: LlmJob): IntakeEvent {
  if (job.status === "SUCCEEDED") {
    const usage = (job.result?.usage ?? {}) as { inputTokens?: unknown };
    return {
      type: "done",
      usage: {
        outputTokens: turnOutputTokens(job),
        ...(typeof usage.inputTokens === "number" ? { inputTokens: usage.inputTokens } : {}),
      },
    };
  }
  if (job.llm?.stoppedFor === "budget")
    return { type: "error", message: "The turn passed its output token budget and was cut.", reason: "budget" };
  if (job.status === "CANCELLED") return { type: "error", message: "The turn was cancelled.", reason: "cancelled" };
  return { type: "error", message: job.error ?? "The runner could not answer.", reason: "provider" };
}
