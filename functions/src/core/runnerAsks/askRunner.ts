import type { RpcMethod, RpcPayload } from "../../../../contract/src/capabilities";
import { db } from "../../data/firestore";
import { RunnerUnavailable } from "../../http/errors";
import { isFinal, runnerIdOf } from "../jobsApi/model";
import { withdrawQueuedJob } from "../jobsApi/controlJob";
import { jobRef } from "../jobsApi/ownedJob";
import type { GenericJob } from "../../data/genericJobs";
import { isOffered } from "./presence";
import { newRunnerJobId, prepareRunnerJob, queueRunnerJob } from "./runnerJobs";

export interface RpcAsk {
  teamId: string;
  actor: string;
  method: RpcMethod;
  pluginId: string | null;
  params: Record<string, unknown>;
  /** The routing tag the answering runner must offer (`plugin:<id>` or `cap:<capability>`). */
  offer: string;
  /** What a 503 says when nobody offers it (`no-plugin`, `no-git`…). */
  missing: string;
}

export interface RpcTiming {
  /** How recently a runner must have been seen to count as online. */
  onlineMs: number;
  /** How long the caller waits for the answer. */
  waitMs: number;
  leaseMs: number;
}

export type RpcOutcome =
  | { status: "SUCCEEDED"; jobId: string; answer: Record<string, unknown>; runnerId: string | null }
  | { status: "FAILED" | "CANCELLED"; jobId: string; error: string; runnerId: string | null };

/**
 * Asks an online runner of the team that offers `offer` (an rpc job routed by that tag) and waits
 * for its answer with a listener on the job, up to `waitMs`. Nobody offering it online: 503 with
 * `reason: missing` and nothing queued. No answer in time: 504 with the `jobId` (see `giveUp`):
 * `cancelled: true` when no runner had taken it, else the job runs on and its answer lands in its
 * result (`GET /jobs/:jobId`).
 */
export async function askRunner(ask: RpcAsk, timing: RpcTiming, now: Date): Promise<RpcOutcome> {
  if (!(await isOffered(ask.teamId, ask.offer, timing.onlineMs, now)))
    throw new RunnerUnavailable(503, "NO_RUNNER", noRunnerMessage(ask), { reason: ask.missing });
  const jobId = newRunnerJobId();
  const payload: RpcPayload = { method: ask.method, pluginId: ask.pluginId, params: ask.params };
  const input = {
    kind: "rpc" as const,
    teamId: ask.teamId,
    actor: ask.actor,
    offer: ask.offer,
    leaseMs: timing.leaseMs,
  };
  await prepareRunnerJob({ ...input, payload });
  await db().runTransaction((tx) => queueRunnerJob(tx, jobId, { ...input, payload }, now));
  const ended = (await endedWithin(jobId, timing.waitMs)) ?? (await giveUp(ask.teamId, jobId, timing.waitMs));
  const runnerId = ended.finishedBy === null ? null : runnerIdOf(ended.finishedBy);
  if (ended.status === "SUCCEEDED") {
    const answer = ended.result?.answer;
    return {
      status: "SUCCEEDED",
      jobId,
      runnerId,
      answer:
        typeof answer === "object" && answer !== null && !Array.isArray(answer)
          ? (answer as Record<string, unknown>)
          : {},
    };
  }
  return {
    status: ended.status === "CANCELLED" ? "CANCELLED" : "FAILED",
    jobId,
    runnerId,
    error: ended.error ?? "The runner could not answer.",
  };
}

/**
 * The wait is over with no answer. A request no runner took is withdrawn (CANCELLED, so it does
 * not sit in the queue and count against the team's pending jobs after its caller has gone); one
 * a runner holds is left to its lease and timeout, and its answer is stored when it comes. Either
 * way 504, saying which. A job that ended in that very moment is answered as if in time.
 */
async function giveUp(teamId: string, jobId: string, waitMs: number): Promise<GenericJob> {
  const left = await withdrawQueuedJob(teamId, jobId, `No runner took this request within ${waitMs} ms.`, new Date());
  if (!left.withdrawn && isFinal(left.job.status)) return left.job;
  if (left.withdrawn)
    throw new RunnerUnavailable(
      504,
      "RUNNER_TIMEOUT",
      `No runner took this request within ${waitMs} ms; it was cancelled (job ${jobId}).`,
      { reason: "timeout", jobId, cancelled: true, status: "CANCELLED" },
    );
  const holder = left.job.lease === null ? null : runnerIdOf(left.job.lease.holder);
  throw new RunnerUnavailable(
    504,
    "RUNNER_TIMEOUT",
    `${holder === null ? "No runner" : `Runner ${holder}`} has not answered within ${waitMs} ms; poll GET /jobs/${jobId} for its answer.`,
    {
      reason: "timeout",
      jobId,
      cancelled: false,
      status: left.job.status,
      ...(holder === null ? {} : { runnerId: holder }),
    },
  );
}

function noRunnerMessage(ask: RpcAsk): string {
  const what = ask.offer.startsWith("plugin:") ? `the plugin "${ask.pluginId ?? ""}"` : `"${ask.offer.slice(4)}"`;
  return `No online runner of this team offers ${what}.`;
}

/** The job once it has ended, or null when `waitMs` passes first. Watches the job; never polls. */
function endedWithin(jobId: string, waitMs: number): Promise<GenericJob | null> {
  return new Promise((resolve, reject) => {
    let stop: () => void = () => undefined;
    const timer = setTimeout(() => {
      stop();
      resolve(null);
    }, waitMs);
    stop = jobRef(jobId).onSnapshot(
      (snap) => {
        const job = snap.data();
        if (job === undefined || !isFinal(job.status)) return;
        clearTimeout(timer);
        stop();
        resolve(job);
      },
      (error) => {
        clearTimeout(timer);
        stop();
        reject(error);
      },
    );
  });
}
