/**
 * The jobs API (seed 002), runner side: lease, heartbeat, logs, artifacts, complete / fail /
 * release. Auth: an API key with `runners:write`. Request bodies are the server's own zod
 * schemas (their input types), so a change on the server breaks this build, not the wire.
 */
import type { z } from "zod";
import {
  appendLogsAnswer,
  appendLogsBody,
  artifactHeaders,
  completeRunnerBody,
  failRunnerBody,
  finishJobAnswer,
  heartbeatRunnerBody,
  jobHeartbeatAnswer,
  leaseJobsAnswer,
  leaseRunnerBody,
  releaseJobAnswer,
  releaseRunnerBody,
  tokensRunnerBody,
  uploadArtifactAnswer,
  type AppendLogsResult,
  type JobArtifact,
  type JobHeartbeat,
  type LeasedJob,
  type ReleaseAs,
} from "../../../contract/src/jobs";
import { tokenChunksAnswer, type TokenChunksAnswer } from "../../../contract/src/capabilities";
import { waitOptions, type HttpClient } from "./http";
import { checked } from "./validate";

export {
  MAX_ARTIFACT_BYTES,
  MAX_ERROR_CHARS as MAX_JOB_ERROR_CHARS,
  MAX_LEASE_BATCH as MAX_JOBS_LEASE_BATCH,
  MAX_LOG_LINE_CHARS as MAX_JOB_LOG_LINE_CHARS,
  MAX_LOG_LINES_PER_APPEND as MAX_JOB_LOG_LINES_PER_APPEND,
} from "../../../contract/src/jobs";

export type JobLogLine = z.input<typeof appendLogsBody>["lines"][number];
export type { AppendLogsResult, JobArtifact, JobHeartbeat, LeasedJob };
export type JobRelease = ReleaseAs;

export interface PhaseProgress {
  phases?: string[];
  phase?: string;
  ackedRerunSeq?: number;
}

/** What a runner offers (capabilities, plugins), sent with each lease and heartbeat. */
export interface RunnerOffers {
  capabilities: string[];
  plugins: string[];
}

export class JobsClient {
  constructor(
    private readonly http: HttpClient,
    /** The runner's own id (seed 004's `x-runner-id`): with the key's owner, the lease holder. */
    readonly runnerId: string,
    /** What it offers; none (older configs) sends nothing, and is handed no `llm` / `rpc` jobs. */
    private readonly offers: RunnerOffers = { capabilities: [], plugins: [] },
  ) {}

  private offerFields(): Partial<RunnerOffers> {
    return this.offers.capabilities.length === 0 && this.offers.plugins.length === 0 ? {} : { ...this.offers };
  }

  async lease(tags: readonly string[], limit: number, waitMs = 0, signal?: AbortSignal): Promise<LeasedJob[]> {
    const wait = waitMs > 0 ? { waitMs } : {};
    const body = checked(
      leaseRunnerBody,
      { runnerId: this.runnerId, tags: [...tags], limit, ...wait, ...this.offerFields() },
      "lease",
    );
    const response = await this.http.request(
      { method: "POST", path: "/jobs/runner/lease", json: body, retry: "unprocessed", ...waitOptions(waitMs, signal) },
      leaseJobsAnswer,
    );
    return response.body.jobs;
  }

  /** `ackedMessageSeq`: the newest message seq this runner has; later ones keep coming until acknowledged. */
  /** `progress`: the job's phases and current phase as its command reported them, and the rerun acted on. */
  async heartbeat(
    jobId: string,
    leaseToken: string,
    ackedMessageSeq: number,
    progress: PhaseProgress = {},
  ): Promise<JobHeartbeat> {
    const body = checked(
      heartbeatRunnerBody,
      { runnerId: this.runnerId, leaseToken, ackedMessageSeq, ...progress, ...this.offerFields() },
      "heartbeat",
    );
    return (await this.post(jobId, "heartbeat", body, jobHeartbeatAnswer)).body;
  }

  /** `offset`: lines this runner already sent under this lease; a retried batch is stored once. */
  async appendLogs(jobId: string, leaseToken: string, offset: number, lines: JobLogLine[]): Promise<AppendLogsResult> {
    const body = checked(appendLogsBody, { runnerId: this.runnerId, leaseToken, offset, lines }, "logs");
    return (await this.post(jobId, "logs", body, appendLogsAnswer)).body;
  }

  /** Uploads one artifact; the same name and bytes again answers the stored artifact. */
  async uploadArtifact(
    jobId: string,
    leaseToken: string,
    name: string,
    bytes: Uint8Array,
    contentType: string,
  ): Promise<JobArtifact> {
    const fence = checked(artifactHeaders, { "x-runner-id": this.runnerId, "x-lease-token": leaseToken }, "artifact");
    const headers = { "x-runner-id": fence["x-runner-id"], "x-lease-token": fence["x-lease-token"] };
    const response = await this.http.request(
      {
        method: "POST",
        path: `/jobs/${encodeURIComponent(jobId)}/runner/artifacts`,
        query: { name },
        headers,
        raw: { bytes, contentType },
        timeoutMs: ARTIFACT_TIMEOUT_MS,
      },
      uploadArtifactAnswer,
    );
    return response.body.artifact;
  }

  /**
   * An `llm` job's output so far: `offset` chunks were sent before these (a retry is stored once),
   * `outputTokens` the turn's count so far. `stop` in the answer: the turn passed its budget.
   */
  async appendTokens(
    jobId: string,
    leaseToken: string,
    offset: number,
    chunks: string[],
    outputTokens?: number,
  ): Promise<TokenChunksAnswer> {
    const body = checked(
      tokensRunnerBody,
      { runnerId: this.runnerId, leaseToken, offset, chunks, ...(outputTokens === undefined ? {} : { outputTokens }) },
      "tokens",
    );
    return (await this.post(jobId, "tokens", body, tokenChunksAnswer)).body;
  }

  /** Idempotent for this holder: a retry after a lost answer gets `duplicate: true`. */
  async complete(
    jobId: string,
    leaseToken: string,
    result: Record<string, unknown>,
  ): Promise<{ status: string; duplicate: boolean }> {
    const body = checked(completeRunnerBody, { runnerId: this.runnerId, leaseToken, result }, "complete");
    return (await this.post(jobId, "complete", body, finishJobAnswer)).body;
  }

  async fail(jobId: string, leaseToken: string, error: string): Promise<{ status: string; duplicate: boolean }> {
    const body = checked(failRunnerBody, { runnerId: this.runnerId, leaseToken, error }, "fail");
    return (await this.post(jobId, "fail", body, finishJobAnswer)).body;
  }

  /** PENDING: back to the queue; PAUSED / CANCELLED: acknowledges a requested pause / cancel. */
  async release(jobId: string, leaseToken: string, status: JobRelease): Promise<{ status: JobRelease }> {
    const body = checked(releaseRunnerBody, { runnerId: this.runnerId, leaseToken, status }, "release");
    return (await this.post(jobId, "release", body, releaseJobAnswer)).body;
  }

  private post<S extends z.ZodType>(jobId: string, action: string, json: unknown, answer: S) {
    return this.http.request(
      { method: "POST", path: `/jobs/${encodeURIComponent(jobId)}/runner/${action}`, json },
      answer,
    );
  }
}

/** Artifacts run to 8 MiB: give their upload longer than a small call. */
const ARTIFACT_TIMEOUT_MS = 120_000;
