/**
 * Seed 002's `POST /intake/stream`: the intake chat ("Coro plan mode"). A turn is answered by an
 * online runner of the team offering `llm` (it holds the provider keys; the control plane never
 * does), as an `llm` job; its output streams back as SSE.
 */
import { capabilityTag, intakeStreamBody, LLM, MAX_INTAKE_BODY_BYTES } from "../../../../contract/src/capabilities";
import {
  INTAKE_LEASE_WAIT_MS,
  INTAKE_STREAM_MAX_MS,
  intParam,
  JOB_LEASE_MS,
  RUNNER_PRESENCE_MS,
} from "../../config/params";
import { DEFAULT_JOB_LEASE_MS } from "../../core/jobsApi/model";
import { isOffered } from "../../core/runnerAsks/presence";
import { startIntakeTurn } from "../../core/runnerAsks/startIntakeTurn";
import { intakeFrame, streamIntakeTurn } from "../../core/runnerAsks/streamIntakeTurn";
import { RunnerUnavailable } from "../../http/errors";
import { ALREADY_SENT, endpoint } from "../../http/route";
import { actorOf, JOBS_WRITE } from "./auth";

/** Defaults when the params are unset (unit tests). */
export const DEFAULT_PRESENCE_MS = 60_000;
const DEFAULT_INTAKE_LEASE_WAIT_MS = 15_000;
const DEFAULT_INTAKE_STREAM_MAX_MS = 55_000;

/**
 * `POST /intake/stream` `{ sessionId, messages, model?, provider?, context }` → `text/event-stream`
 * of JSON `data:` frames: `{ type: "token", text }`…, then `{ type: "done", usage }` or
 * `{ type: "error", message, reason? }` (`budget`, `no-llm`, `provider`, `timeout`, `cancelled`).
 * No online runner offering `llm`: 503 `{ reason: "no-llm" }` at once. A session's budgets (8
 * turns, 4k output tokens a turn, 30k in all) are enforced here; past one, the answer is a stream
 * with a single `error` of reason `budget`.
 */
export const streamIntake = endpoint({
  face: "jobs",
  method: "POST",
  path: "/intake/stream",
  auth: JOBS_WRITE,
  maxBodyBytes: MAX_INTAKE_BODY_BYTES,
  body: intakeStreamBody,
  handler: async ({ principal, body, res, now }) => {
    const onlineMs = intParam(RUNNER_PRESENCE_MS, DEFAULT_PRESENCE_MS);
    if (!(await isOffered(principal.teamId, capabilityTag(LLM), onlineMs, now)))
      throw new RunnerUnavailable(503, "NO_LLM", "No online runner of this team offers an LLM.", { reason: "no-llm" });
    const leaseMs = intParam(JOB_LEASE_MS, DEFAULT_JOB_LEASE_MS);
    const turn = await startIntakeTurn(principal.teamId, actorOf(principal), body, leaseMs, now);
    res.status(200);
    res.setHeader("content-type", "text/event-stream; charset=utf-8");
    res.setHeader("cache-control", "no-cache, no-transform");
    res.setHeader("x-accel-buffering", "no");
    if (turn.kind === "budget") {
      res.end(intakeFrame({ type: "error", message: turn.message, reason: "budget" }));
      return ALREADY_SENT;
    }
    res.setHeader("x-job-id", turn.jobId);
    res.flushHeaders();
    const gone = new AbortController();
    // The response's close, not the request's: Node emits the request's once its body is read
    // (seed 002's "Express 4 + Node 20 quirk"), which is not the caller going away.
    res.on("close", () => gone.abort());
    await streamIntakeTurn(
      turn.jobId,
      {
        closed: () => gone.signal.aborted,
        write: (chunk) =>
          new Promise<void>((resolve) => {
            if (gone.signal.aborted || res.write(chunk)) return resolve();
            res.once("drain", () => resolve());
            gone.signal.addEventListener("abort", () => resolve());
          }),
      },
      {
        teamId: principal.teamId,
        leaseWaitMs: intParam(INTAKE_LEASE_WAIT_MS, DEFAULT_INTAKE_LEASE_WAIT_MS),
        maxMs: intParam(INTAKE_STREAM_MAX_MS, DEFAULT_INTAKE_STREAM_MAX_MS),
        signal: gone.signal,
      },
    );
    res.end();
    return ALREADY_SENT;
  },
});
