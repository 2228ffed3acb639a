import { z } from "zod";
import { controlChild, controlJob } from "../../core/jobsApi/controlJob";
import { CHILD_ACTIONS, type ChildAction, type JobAction } from "../../core/jobsApi/planControl";
import { postJobMessage } from "../../core/jobsApi/postJobMessage";
import { assert, NotFound } from "../../http/errors";
import { endpoint, type Endpoint } from "../../http/route";
import { actorOf, JOBS_WRITE } from "./auth";
import { childName, jobParams, messageBody } from "./schemas";

function jobControl(action: JobAction): Endpoint {
  return endpoint({
    face: "jobs",
    method: "POST",
    path: `/jobs/:jobId/${action}`,
    auth: JOBS_WRITE,
    params: jobParams,
    handler: async ({ principal, params, now }) => ({
      body: await controlJob(principal.teamId, params.jobId, action, now),
    }),
  });
}

/**
 * `POST /jobs/:jobId/cancel | pause | resume` → 200 with the snapshot. A job nobody holds
 * changes at once; a held one gets `control.cancelRequested` / `pauseRequested`, which its
 * runner learns in its next heartbeat. Repeating a control that is in effect is a no-op; a
 * control on a job that has ended is 409 JOB_FINISHED (cancel of a cancelled job is a no-op).
 */
export const cancelJob = jobControl("cancel");
export const pauseJob = jobControl("pause");
export const resumeJob = jobControl("resume");

/** `POST /jobs/:jobId/message` `{ text }` → 201 `{ message }`; delivered once, in a heartbeat answer. */
export const messageJob = endpoint({
  face: "jobs",
  method: "POST",
  path: "/jobs/:jobId/message",
  auth: JOBS_WRITE,
  params: jobParams,
  body: messageBody,
  handler: async ({ principal, params, body, now }) => ({
    status: 201,
    body: {
      message: await postJobMessage(
        principal.teamId,
        actorOf(principal),
        params.jobId,
        body.text ?? body.message ?? "",
        now,
      ),
    },
  }),
});

function isChildAction(action: string): action is ChildAction {
  return (CHILD_ACTIONS as readonly string[]).includes(action);
}

/**
 * `POST /jobs/:jobId/children/:name/skip | rerun | cancel | abandon | resume | start` → 200 with
 * the child's snapshot. One endpoint: the six are one operation on one document.
 */
export const controlJobChild = endpoint({
  face: "jobs",
  method: "POST",
  path: "/jobs/:jobId/children/:name/:action",
  auth: JOBS_WRITE,
  params: jobParams.extend({ name: childName, action: z.string() }),
  handler: async ({ principal, params, now }) => {
    const action = params.action;
    assert(
      isChildAction(action),
      new NotFound("ROUTE_NOT_FOUND", `No child control named ${action}; use ${CHILD_ACTIONS.join(", ")}.`),
    );
    return { body: await controlChild(principal.teamId, params.jobId, params.name, action, now) };
  },
});
