import { z } from "zod";
import { queueOf } from "../../core/jobsApi/model";
import { readQueueStates, setQueuePaused } from "../../core/jobs/queuePause";
import { reviewQueue } from "../../core/runners/ids";
import { NotFound } from "../../http/errors";
import { endpoint, type Endpoint } from "../../http/route";
import { actorOf, JOBS_READ, QUEUE_ADMIN } from "./auth";

/** A team's queues by their public names: the jobs API's jobs and the fleet's tasks. */
const QUEUES = {
  jobs: queueOf,
  tasks: reviewQueue,
} as const satisfies Record<string, (teamId: string) => string>;
type QueueName = keyof typeof QUEUES;
const QUEUE_NAMES = Object.keys(QUEUES) as QueueName[];

const queueParams = z.object({ queue: z.string().min(1).max(100) });

function queueNamed(name: string): QueueName {
  if (!(QUEUE_NAMES as string[]).includes(name))
    throw new NotFound("QUEUE_NOT_FOUND", `No queue named ${name}; the queues are ${QUEUE_NAMES.join(", ")}.`);
  return name as QueueName;
}

/** `GET /queues` → `{ queues: [{ queue, paused, pausedAt, pausedBy }] }`: the team's queues and their dispatch state. */
export const listQueues = endpoint({
  face: "jobs",
  method: "GET",
  path: "/queues",
  auth: JOBS_READ,
  handler: async ({ principal }) => {
    const states = await readQueueStates(QUEUE_NAMES.map((name) => QUEUES[name](principal.teamId)));
    return { body: { queues: QUEUE_NAMES.map((queue, i) => ({ queue, ...states[i] })) } };
  },
});

function queueControl(action: "pause" | "resume"): Endpoint {
  return endpoint({
    face: "jobs",
    method: "POST",
    path: `/queues/:queue/${action}`,
    auth: QUEUE_ADMIN,
    params: queueParams,
    handler: async ({ principal, params, now }) => {
      const queue = queueNamed(params.queue);
      const state = await setQueuePaused(QUEUES[queue](principal.teamId), action === "pause", actorOf(principal), now);
      return { body: { queue, ...state } };
    },
  });
}

/**
 * `POST /queues/:queue/pause | resume` (`:queue` is `jobs` or `tasks`) → 200 `{ queue, paused,
 * pausedAt, pausedBy }`. Paused, the queue leases nothing (lease calls answer empty, waiting ones
 * keep waiting and get work once it is resumed); jobs already leased run on. Repeating either is
 * a no-op. A team admin, or an API key with `jobs:write`.
 */
export const pauseQueue = queueControl("pause");
export const resumeQueue = queueControl("resume");
