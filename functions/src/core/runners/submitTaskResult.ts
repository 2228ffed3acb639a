import { Timestamp } from "firebase-admin/firestore";
import { jobs } from "../../data/jobs";
import { assert, InvalidArgument, NotFound } from "../../http/errors";
import { assertHolds } from "../jobs/leaseGuard";
import { releaseLease } from "../jobs/releaseLease";
import { endingHash, endJob } from "../jobs/endJob";
import { appendJobLogs } from "../jobs/jobLogs";
import { runContendedTransaction } from "./contendedTransaction";
import { readOwnedTask } from "./heldTask";
import { runnerDocId } from "./ids";
import { taskView } from "./reviewTask";

export interface TaskResult {
  runnerId: string;
  status: "success" | "failed";
  files: Record<string, unknown>[];
  totalComments: number;
  rating?: "A" | "B" | "C" | "D" | "F";
  metrics: Record<string, unknown>;
  error?: string;
  logs?: string[];
  /** With `failed`: back to the queue after the task's backoff (FAILED once it has used its attempts). */
  retry?: boolean;
}

/** Used when a runner reports failure without saying why. */
const UNSPECIFIED_FAILURE = "The runner reported the review as failed.";

/**
 * Ends the task SUCCEEDED or FAILED with the runner's result and final log lines, in one
 * transaction fenced on the lease: a runner that does not hold the task (any more) gets 409 and
 * nothing is written. The holder repeating the very same result gets the same answer and
 * nothing is written twice; a different second result is 409.
 */
export async function submitTaskResult(
  teamId: string,
  taskId: string,
  input: TaskResult,
  now: Date,
): Promise<{ task: ReturnType<typeof taskView>; duplicate: boolean }> {
  const status = input.status === "success" ? "SUCCEEDED" : "FAILED";
  assert(
    input.retry !== true || status === "FAILED",
    new InvalidArgument("INVALID_ARGUMENT", "retry goes with status failed."),
  );
  if (input.retry === true) return retryTask(teamId, taskId, input, now);
  // The job-end hook writes the runner document, where a runner's concurrent results meet.
  return runContendedTransaction(async (tx) => {
    const { ref, job } = await readOwnedTask(tx, teamId, taskId);
    const ended = await endJob(tx, ref, job, {
      holder: runnerDocId(teamId, input.runnerId),
      status,
      hash: endingHash(input),
      conflictCode: "ALREADY_COMPLETED",
      now,
      fields: (held) => {
        const logs = input.logs ?? [];
        const at = Timestamp.fromDate(now);
        const logFields =
          logs.length > 0
            ? appendJobLogs(
                tx,
                ref,
                held,
                logs.map((line) => ({ line, stream: "log" as const })),
                at,
                // The result is what matters: its lines past the log quota are dropped, not the result.
                "truncate",
              )
            : {};
        return {
          result: {
            outcome: input.status,
            files: input.files,
            totalComments: input.totalComments,
            rating: input.rating ?? null,
            metrics: input.metrics,
            error: input.error ?? null,
          },
          error: status === "FAILED" ? (input.error ?? UNSPECIFIED_FAILURE) : null,
          ...logFields,
        };
      },
    });
    return { task: taskView(ref.id, ended.job), duplicate: ended.duplicate };
  });
}

/**
 * The holder gives a failed task back for another try: the core's release (`releaseLease`, as the
 * reaper and the jobs API's `fail` with `retry` do) returns it after its backoff with
 * `attempts + 1`, or ends it FAILED with the runner's error once it has used its attempts. Its log
 * lines are kept. Not a repeatable end: a second call no longer holds the task (409).
 */
async function retryTask(
  teamId: string,
  taskId: string,
  input: TaskResult,
  now: Date,
): Promise<{ task: ReturnType<typeof taskView>; duplicate: boolean }> {
  await runContendedTransaction(async (tx) => {
    const { ref, job } = await readOwnedTask(tx, teamId, taskId);
    assertHolds(job, runnerDocId(teamId, input.runnerId), now);
    const at = Timestamp.fromDate(now);
    await releaseLease(tx, ref, job, at, () => input.error ?? UNSPECIFIED_FAILURE);
    const logs = input.logs ?? [];
    if (logs.length > 0)
      tx.update(
        ref,
        appendJobLogs(
          tx,
          ref,
          job,
          logs.map((line) => ({ line, stream: "log" as const })),
          at,
          "truncate",
        ),
      );
  });
  const job = (await jobs().doc(taskId).get()).data();
  assert(job !== undefined, new NotFound("TASK_NOT_FOUND", "No such task."));
  return { task: taskView(taskId, job), duplicate: false };
}
