import type { Timestamp } from "firebase-admin/firestore";
import type { GenericJob } from "../../data/genericJobs";
import { Conflict } from "../../http/errors";
import { finalFields, pendingFields } from "../jobs/model";
import { isWaitingOnDependencies } from "./dependencies";
import { isFinal, isHeld } from "./model";

export type JobAction = "cancel" | "pause" | "resume";
export type ChildAction = "skip" | "rerun" | "cancel" | "abandon" | "resume" | "start";
export const CHILD_ACTIONS: readonly ChildAction[] = ["skip", "rerun", "cancel", "abandon", "resume", "start"];

/**
 * What a control does to one job: nothing (already in effect — controls are idempotent), or a
 * set of field updates; `ends` marks updates that finish the job (end hooks must commit with them).
 */
export type ControlPlan = { kind: "noop" } | { kind: "update"; fields: Record<string, unknown>; ends: boolean };

const NOOP: ControlPlan = { kind: "noop" };
const CLEAR_CONTROLS = { control: { cancelRequested: false, pauseRequested: false } };

function finished(job: GenericJob): Conflict {
  return new Conflict("JOB_FINISHED", `The job already ended (${job.status}).`, { status: job.status });
}

/**
 * Cooperative controls. A job nobody holds changes at once (PENDING → CANCELLED or PAUSED,
 * PAUSED → PENDING); a held job only gets a flag, which its holder learns in its next heartbeat
 * answer and acts on (release as PAUSED or CANCELLED), because only the holder can stop the work.
 */
export function planControl(jobId: string, job: GenericJob, action: JobAction, at: Timestamp): ControlPlan {
  switch (action) {
    case "cancel":
      if (job.status === "CANCELLED") return NOOP;
      if (isFinal(job.status)) throw finished(job);
      if (isHeld(job.status)) {
        return job.control.cancelRequested
          ? NOOP
          : { kind: "update", fields: { "control.cancelRequested": true, updatedAt: at }, ends: false };
      }
      return {
        kind: "update",
        fields: { ...finalFields("CANCELLED", at), ...CLEAR_CONTROLS, awaitingStart: false, error: "Cancelled." },
        ends: true,
      };
    case "pause":
      if (isFinal(job.status)) throw finished(job);
      // Waiting for its dependencies: the pause is remembered and holds it once they are done.
      if (job.status === "PAUSED" && isWaitingOnDependencies(job) && !job.control.pauseRequested)
        return { kind: "update", fields: { "control.pauseRequested": true, updatedAt: at }, ends: false };
      if (job.status === "PAUSED") return NOOP;
      if (isHeld(job.status)) {
        return job.control.pauseRequested
          ? NOOP
          : { kind: "update", fields: { "control.pauseRequested": true, updatedAt: at }, ends: false };
      }
      // PENDING: out of the queue (no pendingShard) until resumed.
      return {
        kind: "update",
        fields: { status: "PAUSED", pendingShard: null, "control.pauseRequested": false, updatedAt: at },
        ends: false,
      };
    case "resume":
      if (isFinal(job.status)) throw finished(job);
      if (job.status === "PAUSED") {
        if (job.awaitingStart)
          throw new Conflict("NOT_STARTED", "This child has not been started; use its start control.");
        // Resuming a child that waits for its dependencies only withdraws a pause; it still waits.
        if (isWaitingOnDependencies(job))
          return job.control.pauseRequested
            ? { kind: "update", fields: { "control.pauseRequested": false, updatedAt: at }, ends: false }
            : NOOP;
        return {
          kind: "update",
          fields: { ...pendingFields(job, jobId, at), "control.pauseRequested": false },
          ends: false,
        };
      }
      return job.control.pauseRequested
        ? { kind: "update", fields: { "control.pauseRequested": false, updatedAt: at }, ends: false }
        : NOOP;
  }
}

/**
 * Campaign child controls; each touches only the named child's document.
 * - start: a child waiting for a manual start joins the queue.
 * - skip: a child that is not running ends as CANCELLED with outcome SKIPPED.
 * - cancel / resume: as for any job (cooperative when held).
 * - abandon: ends the child at once even while held; its holder's next call gets 409.
 * - rerun: a finished child goes back to the queue as a fresh run (attempts, result, error reset).
 */
export function planChildControl(childId: string, child: GenericJob, action: ChildAction, at: Timestamp): ControlPlan {
  switch (action) {
    case "cancel":
    case "resume":
      return planControl(childId, child, action, at);
    case "start":
      if (child.status === "PAUSED" && child.awaitingStart) {
        // Started, but its dependencies are not done: it waits for them (they queue it).
        if (isWaitingOnDependencies(child))
          return { kind: "update", fields: { awaitingStart: false, updatedAt: at }, ends: false };
        return {
          kind: "update",
          fields: { ...pendingFields(child, childId, at), awaitingStart: false, enqueuedAt: at },
          ends: false,
        };
      }
      if (isFinal(child.status))
        throw new Conflict("CHILD_FINISHED", `The child already ended (${child.status}); use rerun.`, {
          status: child.status,
        });
      if (child.status === "PAUSED") throw new Conflict("CHILD_PAUSED", "The child was paused; use resume.");
      return NOOP;
    case "skip":
      if (child.childOutcome === "SKIPPED") return NOOP;
      // A child that failed or was cancelled is skipped where it stands (status and error kept):
      // its dependents stop waiting for it (dependencies.ts settles them in the same commit).
      if (child.status === "FAILED" || child.status === "CANCELLED")
        return { kind: "update", fields: { childOutcome: "SKIPPED", updatedAt: at }, ends: false };
      if (isFinal(child.status))
        throw new Conflict("CHILD_FINISHED", `The child already ended (${child.status}).`, { status: child.status });
      if (isHeld(child.status))
        throw new Conflict("CHILD_RUNNING", "The child is running; cancel or abandon it instead.");
      return {
        kind: "update",
        fields: {
          ...finalFields("CANCELLED", at),
          ...CLEAR_CONTROLS,
          awaitingStart: false,
          childOutcome: "SKIPPED",
          error: "Skipped.",
        },
        ends: true,
      };
    case "abandon":
      if (child.status === "CANCELLED" && child.childOutcome === "ABANDONED") return NOOP;
      if (isFinal(child.status))
        throw new Conflict("CHILD_FINISHED", `The child already ended (${child.status}).`, { status: child.status });
      return {
        kind: "update",
        fields: {
          ...finalFields("CANCELLED", at),
          ...CLEAR_CONTROLS,
          awaitingStart: false,
          childOutcome: "ABANDONED",
          error: "Abandoned.",
        },
        ends: true,
      };
    case "rerun":
      if (!isFinal(child.status))
        throw new Conflict("CHILD_NOT_FINISHED", `The child has not ended (${child.status}).`, {
          status: child.status,
        });
      return { kind: "update", fields: rerunFields(childId, child, at), ends: false };
  }
}

/**
 * An ended job back in the queue as a fresh run: attempts, result, error and the last run's
 * phase cleared (the phase list stays: a later phase rerun names one of them), `reruns + 1`.
 * Messages posted to the ended run close with it: the new run is not handed one its runner took
 * but never acknowledged (a "finish" that ended the last run would end this one at once).
 * Logs keep numbering on. A campaign child's dependencies may still hold it back (dependencies.ts).
 */
export function rerunFields(jobId: string, job: GenericJob, at: Timestamp): Record<string, unknown> {
  return {
    ...pendingFields(job, jobId, at),
    ...CLEAR_CONTROLS,
    enqueuedAt: at,
    attempts: 0,
    startedAt: null,
    finishedAt: null,
    result: null,
    error: null,
    completionHash: null,
    finishedBy: null,
    finishedLease: null,
    childOutcome: null,
    awaitingStart: false,
    logIntake: null,
    reruns: (job.reruns ?? 0) + 1,
    messageDeliveredSeq: job.messageSeq ?? 0,
    phase: null,
    startPhase: null,
    rerunPhase: null,
  };
}
