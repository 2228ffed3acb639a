import { callerGone } from "../../http/callerGone";
import { appendTaskLogs } from "../../core/runners/appendTaskLogs";
import { claimReviewTasks } from "../../core/runners/claimReviewTasks";
import { queueReviewTask } from "../../core/runners/queueReviewTask";
import { taskView } from "../../core/runners/reviewTask";
import { submitTaskResult } from "../../core/runners/submitTaskResult";
import { updateTaskPhase } from "../../core/runners/updateTaskPhase";
import { ownerFor } from "../../core/teams/owner";
import { endpoint } from "../../http/route";
import { RUNNER_KEY, TASK_QUEUE } from "./auth";
import {
  claimQuery,
  LOG_BODY_BYTES,
  logsBody,
  namedRunner,
  newTaskBody,
  RESULT_BODY_BYTES,
  resultBody,
  runnerHeader,
  statusBody,
  TASK_BODY_BYTES,
  taskParams,
} from "./schemas";

/**
 * `POST /api/runners/tasks` (our addition: seed 004 only shows the runner side) queues a review
 * task in the caller's queue → 201 `{data: task}`. Queue semantics as on `POST /jobs`: `delayMs` /
 * `runAt`, `maxAttempts`, `backoffMs` / `backoffMaxMs`, `timeoutMs`, `concurrencyKey` /
 * `concurrencyLimit` (not part of the task's payload).
 */
export const queueTask = endpoint({
  face: "fleet",
  method: "POST",
  path: "/api/runners/tasks",
  auth: TASK_QUEUE,
  body: newTaskBody,
  maxBodyBytes: TASK_BODY_BYTES,
  handler: async ({ principal, body, now }) => {
    const { id, job } = await queueReviewTask(
      ownerFor(principal),
      { ...body, tags: body.tags ?? [], priority: body.priority ?? 0 },
      now,
    );
    return { status: 201, body: taskView(id, job) };
  },
});

/** `GET /api/runners/tasks/pending?runnerId&limit&waitMs` → `{data: [task]}`, claimed for that runner (waiting up to `waitMs` for one). */
export const claimTasks = endpoint({
  face: "fleet",
  method: "GET",
  path: "/api/runners/tasks/pending",
  auth: RUNNER_KEY,
  query: claimQuery,
  handler: async ({ res, principal, query, now }) => {
    const claimed = await claimReviewTasks(
      principal.teamId,
      query.runnerId,
      query.limit ?? 1,
      query.waitMs ?? 0,
      now,
      callerGone(res),
    );
    return { body: claimed.map((c) => taskView(c.id, c.job)) };
  },
});

/** `POST /api/runners/tasks/:id/status` `{status}` → `{data: task}`; holder only, else 409. */
export const updateTaskStatus = endpoint({
  face: "fleet",
  method: "POST",
  path: "/api/runners/tasks/:id/status",
  auth: RUNNER_KEY,
  params: taskParams,
  headers: runnerHeader,
  body: statusBody,
  handler: async ({ principal, params, headers, body, now }) => {
    const runnerId = namedRunner(headers["x-runner-id"], body.runnerId);
    return { body: await updateTaskPhase(principal.teamId, params.id, runnerId, body.status, now) };
  },
});

/** `POST /api/runners/tasks/:id/logs` `{logs: string[1..200]}` → `{data: {appended, firstSeq, lastSeq}}`. */
export const appendLogs = endpoint({
  face: "fleet",
  method: "POST",
  path: "/api/runners/tasks/:id/logs",
  auth: RUNNER_KEY,
  params: taskParams,
  headers: runnerHeader,
  body: logsBody,
  maxBodyBytes: LOG_BODY_BYTES,
  handler: async ({ principal, params, headers, body, now }) => {
    const runnerId = namedRunner(headers["x-runner-id"], body.runnerId);
    return { body: await appendTaskLogs(principal.teamId, params.id, runnerId, body.logs, now) };
  },
});

/**
 * `POST /api/runners/tasks/:id/result` → `{data: task}` ended; not the holder → 409, nothing
 * written. `retry: true` with `status: "failed"` returns the task to the queue after its backoff
 * (`attempts + 1`; FAILED with the error once it has used its attempts).
 */
export const submitResult = endpoint({
  face: "fleet",
  method: "POST",
  path: "/api/runners/tasks/:id/result",
  auth: RUNNER_KEY,
  params: taskParams,
  body: resultBody,
  maxBodyBytes: RESULT_BODY_BYTES,
  handler: async ({ principal, params, body, now }) => {
    const { task } = await submitTaskResult(principal.teamId, params.id, body, now);
    return { body: task };
  },
});
