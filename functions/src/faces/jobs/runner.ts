import { callerGone } from "../../http/callerGone";
import { z } from "zod";
import { intParam, JOB_LEASE_MS } from "../../config/params";
import { appendRunnerLogs as appendLogs } from "../../core/jobsApi/appendRunnerLogs";
import { failJobForRetry, finishJob } from "../../core/jobsApi/finishJob";
import { heartbeatJob } from "../../core/jobsApi/heartbeatJob";
import { leaseJobs } from "../../core/jobsApi/leaseJobs";
import { DEFAULT_JOB_LEASE_MS, MAX_ARTIFACT_BYTES } from "../../core/jobsApi/model";
import { releaseJob } from "../../core/jobsApi/releaseJob";
import { runnerConfigVersion } from "../../core/runnerConfig/runnerConfig";
import { uploadArtifact } from "../../core/jobsApi/uploadArtifact";
import { appendTokens } from "../../core/runnerAsks/appendTokens";
import { notePresence } from "../../core/runnerAsks/presence";
import { MAX_TOKENS_BODY_BYTES, offerTags } from "../../../../contract/src/capabilities";
import { tokensRunnerBody } from "../../../../contract/src/jobs";
import { endpoint } from "../../http/route";
import { JOBS_RUNNER } from "./auth";
import {
  appendLogsBody,
  artifactHeaders,
  artifactName,
  completeRunnerBody,
  failRunnerBody,
  heartbeatRunnerBody,
  jobParams,
  leaseRunnerBody,
  MAX_COMPLETE_BYTES,
  MAX_LOG_BATCH_BYTES,
  releaseRunnerBody,
} from "./schemas";
import { MULTIPART_OVERHEAD_BYTES, readUpload } from "./upload";

export {
  artifactHeaders,
  completeRunnerBody,
  failRunnerBody,
  leaseRunnerBody,
  MAX_COMPLETE_BYTES,
  MAX_LOG_BATCH_BYTES,
  releaseRunnerBody,
} from "./schemas";

/**
 * `POST /jobs/runner/lease` `{ runnerId, tags?, limit?, waitMs?, capabilities?, plugins? }` →
 * `{ jobs: [{ id, kind, leaseToken, leaseExpiresAt, type, workflowPath, params, payload?, … }] }`.
 * What the runner offers keeps its presence fresh (the intake and rpc routes ask it) and adds the
 * offer's routing tags to its own, so it is also handed the `llm` / `rpc` jobs that need them.
 */
export const leaseRunnerJobs = endpoint({
  face: "jobs",
  method: "POST",
  path: "/jobs/runner/lease",
  auth: JOBS_RUNNER,
  body: leaseRunnerBody,
  handler: async ({ res, principal, body, now }) => {
    const offer = { capabilities: body.capabilities, plugins: body.plugins };
    await notePresence(principal.teamId, body.runnerId, offer, now);
    const jobs = await leaseJobs(
      { teamId: principal.teamId, runnerId: body.runnerId },
      {
        tags: [...body.tags, ...offerTags(offer)],
        limit: body.limit,
        leaseMs: intParam(JOB_LEASE_MS, DEFAULT_JOB_LEASE_MS),
        waitMs: body.waitMs,
        signal: callerGone(res),
      },
      now,
    );
    return { body: jobs };
  },
});

/**
 * `POST /jobs/:jobId/runner/heartbeat` `{ runnerId, leaseToken, ackedMessageSeq?, phases?, phase?,
 * ackedRerunSeq? }` → `{ leaseExpiresAt, cancelRequested, pauseRequested, messages, configVersion,
 * rerunPhase }`.
 */
export const heartbeatRunnerJob = endpoint({
  face: "jobs",
  method: "POST",
  path: "/jobs/:jobId/runner/heartbeat",
  auth: JOBS_RUNNER,
  params: jobParams,
  body: heartbeatRunnerBody,
  handler: async ({ principal, params, body, now }) => {
    // Read beside the heartbeat's transaction, not in it: the configuration is not the job's to lock.
    const offer = { capabilities: body.capabilities, plugins: body.plugins };
    const [beat, configVersion] = await Promise.all([
      heartbeatJob(
        { teamId: principal.teamId, runnerId: body.runnerId },
        params.jobId,
        body.leaseToken,
        now,
        body.ackedMessageSeq,
        { phases: body.phases, phase: body.phase, ackedRerunSeq: body.ackedRerunSeq },
      ),
      runnerConfigVersion(principal.teamId),
      notePresence(principal.teamId, body.runnerId, offer, now),
    ]);
    return { body: { ...beat, configVersion } };
  },
});

/** `POST /jobs/:jobId/runner/logs` `{ runnerId, leaseToken, offset, lines }` → `{ accepted, duplicates, nextOffset, lastSeq }`. */
export const appendRunnerLogs = endpoint({
  face: "jobs",
  method: "POST",
  path: "/jobs/:jobId/runner/logs",
  auth: JOBS_RUNNER,
  maxBodyBytes: MAX_LOG_BATCH_BYTES,
  params: jobParams,
  body: appendLogsBody,
  handler: async ({ principal, params, body, now }) => ({
    body: await appendLogs(
      { teamId: principal.teamId, runnerId: body.runnerId },
      params.jobId,
      body.leaseToken,
      { offset: body.offset, lines: body.lines },
      now,
    ),
  }),
});

/**
 * `POST /jobs/:jobId/runner/tokens` `{ runnerId, leaseToken, offset, chunks, outputTokens? }` →
 * `{ accepted, nextOffset, stop }`: an `llm` job's output as it comes, streamed to the intake
 * caller. `stop: true` when the turn passed its budget (the job has ended FAILED).
 */
export const appendRunnerTokens = endpoint({
  face: "jobs",
  method: "POST",
  path: "/jobs/:jobId/runner/tokens",
  auth: JOBS_RUNNER,
  maxBodyBytes: MAX_TOKENS_BODY_BYTES,
  params: jobParams,
  body: tokensRunnerBody,
  handler: async ({ principal, params, body, now }) => ({
    body: await appendTokens(
      { teamId: principal.teamId, runnerId: body.runnerId },
      params.jobId,
      body.leaseToken,
      { offset: body.offset, chunks: body.chunks, outputTokens: body.outputTokens },
      now,
    ),
  }),
});

/**
 * `POST /jobs/:jobId/runner/artifacts?name=` with `X-Runner-Id`, `X-Lease-Token`: the raw body
 * (its Content-Type kept) or multipart/form-data with one file → 201 `{ artifact }` (200 for a
 * retry of the same name and bytes). At most MAX_ARTIFACT_BYTES.
 */
export const uploadRunnerArtifact = endpoint({
  face: "jobs",
  method: "POST",
  path: "/jobs/:jobId/runner/artifacts",
  auth: JOBS_RUNNER,
  rawBody: true,
  maxBodyBytes: MAX_ARTIFACT_BYTES + MULTIPART_OVERHEAD_BYTES,
  params: jobParams,
  query: z.object({ name: artifactName.optional() }),
  headers: artifactHeaders,
  handler: async ({ principal, params, query, headers, req, now }) => {
    const upload = await readUpload(req, query.name ?? decodeHeader(headers["x-artifact-name"]), MAX_ARTIFACT_BYTES);
    const runner = { teamId: principal.teamId, runnerId: headers["x-runner-id"] };
    const { created, artifact } = await uploadArtifact(runner, params.jobId, headers["x-lease-token"], upload, now);
    return { status: created ? 201 : 200, body: { artifact } };
  },
});

/** `POST /jobs/:jobId/runner/complete` `{ runnerId, leaseToken, result? }` → `{ status: "SUCCEEDED" }`. */
export const completeRunnerJob = endpoint({
  face: "jobs",
  method: "POST",
  path: "/jobs/:jobId/runner/complete",
  auth: JOBS_RUNNER,
  maxBodyBytes: MAX_COMPLETE_BYTES,
  params: jobParams,
  body: completeRunnerBody,
  handler: async ({ principal, params, body, now }) => ({
    body: await finishJob(
      { teamId: principal.teamId, runnerId: body.runnerId },
      params.jobId,
      body.leaseToken,
      { status: "SUCCEEDED", result: body.result },
      now,
    ),
  }),
});

/**
 * `POST /jobs/:jobId/runner/fail` `{ runnerId, leaseToken, error, retry? }` → `{ status: "FAILED" }`;
 * with `retry: true`, `{ status: "PENDING", attempts }` (back after its backoff) or FAILED once
 * its attempts are used.
 */
export const failRunnerJob = endpoint({
  face: "jobs",
  method: "POST",
  path: "/jobs/:jobId/runner/fail",
  auth: JOBS_RUNNER,
  params: jobParams,
  body: failRunnerBody,
  handler: async ({ principal, params, body, now }) => {
    const runner = { teamId: principal.teamId, runnerId: body.runnerId };
    if (body.retry === true)
      return { body: await failJobForRetry(runner, params.jobId, body.leaseToken, body.error, now) };
    return {
      body: await finishJob(runner, params.jobId, body.leaseToken, { status: "FAILED", error: body.error }, now),
    };
  },
});

/**
 * `POST /jobs/:jobId/runner/release` `{ runnerId, leaseToken, status }` → `{ status }`: PENDING
 * gives the job back to the queue; PAUSED / CANCELLED acknowledge a requested pause / cancel.
 */
export const releaseRunnerJob = endpoint({
  face: "jobs",
  method: "POST",
  path: "/jobs/:jobId/runner/release",
  auth: JOBS_RUNNER,
  params: jobParams,
  body: releaseRunnerBody,
  handler: async ({ principal, params, body, now }) => ({
    body: await releaseJob(
      { teamId: principal.teamId, runnerId: body.runnerId },
      params.jobId,
      body.leaseToken,
      body.status,
      now,
    ),
  }),
});

function decodeHeader(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
