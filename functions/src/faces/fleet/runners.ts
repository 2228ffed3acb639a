import { deregisterRunner as deregister } from "../../core/runners/deregisterRunner";
import { heartbeatRunner } from "../../core/runners/heartbeatRunner";
import { getOwnedRunner, listRunnersByHeartbeat } from "../../core/runners/readRunners";
import { registerRunner as register } from "../../core/runners/registerRunner";
import { fleetRunnerView } from "../../core/runners/runnerViews";
import { endpoint } from "../../http/route";
import { FLEET_MANAGE, FLEET_READ, RUNNER_KEY } from "./auth";
import { heartbeatBody, registrationHeaders, registrationOf, runnerParams } from "./schemas";

/** `GET /api/runners` → `{data: [runner]}`, the caller's runners, most recent heartbeat first. */
export const listRunners = endpoint({
  face: "fleet",
  method: "GET",
  path: "/api/runners",
  auth: FLEET_READ,
  handler: async ({ principal }) => ({ body: (await listRunnersByHeartbeat(principal.teamId)).map(fleetRunnerView) }),
});

/** `GET /api/runners/:id` → `{data: runner}`; another owner's runner is 404. */
export const getRunner = endpoint({
  face: "fleet",
  method: "GET",
  path: "/api/runners/:id",
  auth: FLEET_READ,
  params: runnerParams,
  handler: async ({ principal, params }) => ({
    body: fleetRunnerView(await getOwnedRunner(principal.teamId, params.id)),
  }),
});

/** `POST /api/runners/register` with `x-runner-*` headers → `{data: runner}` (upsert). */
export const registerRunner = endpoint({
  face: "fleet",
  method: "POST",
  path: "/api/runners/register",
  auth: RUNNER_KEY,
  headers: registrationHeaders,
  handler: async ({ principal, headers, now }) => {
    const runner = await register(
      { teamId: principal.teamId, ownerUid: principal.ownerUid, credentialId: principal.credentialId },
      registrationOf(headers),
      now,
    );
    return { body: fleetRunnerView(runner) };
  },
});

/** `POST /api/runners/:id/heartbeat` `{status, currentJobs}` → `{data: runner}`; unknown runner 404. */
export const heartbeat = endpoint({
  face: "fleet",
  method: "POST",
  path: "/api/runners/:id/heartbeat",
  auth: RUNNER_KEY,
  params: runnerParams,
  body: heartbeatBody,
  handler: async ({ principal, params, body, now }) => ({
    body: fleetRunnerView(await heartbeatRunner(principal.teamId, params.id, body, now)),
  }),
});

/** `DELETE /api/runners/:id` → `{data: runner}` offline, its tasks back in the queue. */
export const deregisterRunner = endpoint({
  face: "fleet",
  method: "DELETE",
  path: "/api/runners/:id",
  auth: FLEET_MANAGE,
  params: runnerParams,
  handler: async ({ principal, params, now }) => ({
    body: fleetRunnerView(await deregister(principal.teamId, params.id, now)),
  }),
});
