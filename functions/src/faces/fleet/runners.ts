import { deregisterRunner as deregister } from "../../core/runners/deregisterRunner";
import { heartbeatRunner } from "../../core/runners/heartbeatRunner";
import { getOwnedRunner, listRunnersByHeartbeat } from "../../core/runners/readRunners";
import { registerRunner as register } from "../../core/runners/registerRunner";
import { fleetRunnerView } from "../../core/runners/runnerViews";
import { forgetPresence, notePresence } from "../../core/runnerAsks/presence";
import { endpoint } from "../../http/route";
import { FLEET_MANAGE, FLEET_READ, RUNNER_KEY } from "./auth";
import { heartbeatBody, registrationHeaders, registrationOf, registrationOffer, runnerParams } from "./schemas";

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

/**
 * `POST /api/runners/register` with `x-runner-*` headers → `{data: runner}` (upsert). Our optional
 * `x-runner-capabilities` / `x-runner-plugins` headers make it count as online for the routes a
 * runner answers (docs/intake.md), as a jobs-API lease with an offer does.
 */
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
    const offer = registrationOffer(headers);
    if (offer !== null) await notePresence(principal.teamId, runner.runnerId, offer, now, { force: true });
    return { body: fleetRunnerView(runner) };
  },
});

/**
 * `POST /api/runners/:id/heartbeat` `{status, currentJobs, capabilities?, plugins?}` →
 * `{data: runner}`; unknown runner 404. With an offer (our addition), an online or busy runner's
 * presence stays fresh; `offline` takes it out of the routes a runner answers at once.
 */
export const heartbeat = endpoint({
  face: "fleet",
  method: "POST",
  path: "/api/runners/:id/heartbeat",
  auth: RUNNER_KEY,
  params: runnerParams,
  body: heartbeatBody,
  handler: async ({ principal, params, body, now }) => {
    const runner = await heartbeatRunner(principal.teamId, params.id, body, now);
    if (body.status === "offline") await forgetPresence(principal.teamId, params.id);
    else
      await notePresence(principal.teamId, params.id, { capabilities: body.capabilities, plugins: body.plugins }, now);
    return { body: fleetRunnerView(runner) };
  },
});

/**
 * `DELETE /api/runners/:id` → `{data: runner}` offline, its tasks back in the queue, and no longer
 * counted online for the routes a runner answers.
 */
export const deregisterRunner = endpoint({
  face: "fleet",
  method: "DELETE",
  path: "/api/runners/:id",
  auth: FLEET_MANAGE,
  params: runnerParams,
  handler: async ({ principal, params, now }) => {
    const runner = await deregister(principal.teamId, params.id, now);
    await forgetPresence(principal.teamId, params.id);
    return { body: fleetRunnerView(runner) };
  },
});
