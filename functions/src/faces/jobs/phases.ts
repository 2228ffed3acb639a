import { rerunJobPhase } from "../../core/jobsApi/phases";
import { endpoint } from "../../http/route";
import { JOBS_WRITE } from "./auth";
import { jobParams, phaseName } from "./schemas";

/**
 * `POST /jobs/:jobId/phases/:phase/rerun` → 200 with the job's snapshot. The phase must be one the
 * runner reported (404 PHASE_NOT_FOUND). Held: the holder learns it as `rerunPhase` in its
 * heartbeat answers; ended: queued again, its lease answer's `startPhase` names the phase.
 */
export const rerunPhase = endpoint({
  face: "jobs",
  method: "POST",
  path: "/jobs/:jobId/phases/:phase/rerun",
  auth: JOBS_WRITE,
  params: jobParams.extend({ phase: phaseName }),
  handler: async ({ principal, params, now }) => ({
    body: await rerunJobPhase(principal.teamId, params.jobId, params.phase, now),
  }),
});
