/**
 * The runner side of insights and proposals: recorded on a job the runner holds, checked like
 * every other runner route (holder and lease token, in the same transaction as the write).
 */
import { runnerInsightBody, runnerProposalBody } from "../../../../contract/src/intelligence";
import { createInsight } from "../../core/insights/insights";
import { createProposal } from "../../core/intelligence/proposals";
import { endpoint } from "../../http/route";
import { JOBS_RUNNER } from "./auth";
import { jobParams } from "./schemas";

/** Intelligence files are up to 256 KiB; their JSON escapes may take more. */
const MAX_PROPOSAL_BODY_BYTES = 2 * 1024 * 1024;

/** The runner a record is written for, and how it is credited: `<runnerId> (apiKey:<credentialId>)`. */
function writtenBy(principal: { teamId: string; credentialId: string }, runnerId: string) {
  return { runner: { teamId: principal.teamId, runnerId }, author: `${runnerId} (apiKey:${principal.credentialId})` };
}

/** `POST /jobs/:jobId/runner/insights` `{ runnerId, leaseToken, phase, category, summary, detail, suggestion? }` → 201 `{ insight }`. */
export const postRunnerInsight = endpoint({
  face: "jobs",
  method: "POST",
  path: "/jobs/:jobId/runner/insights",
  auth: JOBS_RUNNER,
  params: jobParams,
  body: runnerInsightBody,
  handler: async ({ principal, params, body, now }) => {
    const { runner, author } = writtenBy(principal, body.runnerId);
    return {
      status: 201,
      body: { insight: await createInsight(runner, author, params.jobId, body.leaseToken, body, now) },
    };
  },
});

/**
 * `POST /jobs/:jobId/runner/proposals` `{ runnerId, leaseToken, layer?, path, content | patch,
 * baseVersion?, rationale }` → 201 `{ proposal }` (pending).
 */
export const postRunnerProposal = endpoint({
  face: "jobs",
  method: "POST",
  path: "/jobs/:jobId/runner/proposals",
  auth: JOBS_RUNNER,
  maxBodyBytes: MAX_PROPOSAL_BODY_BYTES,
  params: jobParams,
  body: runnerProposalBody,
  handler: async ({ principal, params, body, now }) => {
    const { runner, author } = writtenBy(principal, body.runnerId);
    return {
      status: 201,
      body: { proposal: await createProposal(runner, author, params.jobId, body.leaseToken, body, now) },
    };
  },
});
