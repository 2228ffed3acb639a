/**
 * The jobs API (seed 002), runner side: lease, heartbeat, logs, artifacts, complete / fail /
 * release. Auth: an API key with `runners:write`. Request bodies are the server's own zod
 * schemas (their input types), so a change on the server breaks this build, not the wire.
 */
import type { z } from "zod";
import type { AppendLogsResult } from "../../../functions/src/core/jobsApi/appendRunnerLogs";
import type { heartbeatJob } from "../../../functions/src/core/jobsApi/heartbeatJob";
import type { leasedJobView } from "../../../functions/src/core/jobsApi/leaseJobs";
import type { artifactView } from "../../../functions/src/core/jobsApi/readJob";
import type { ReleaseAs } from "../../../functions/src/core/jobsApi/releaseJob";
import { artifactHeaders, completeRunnerBody, failRunnerBody, leaseRunnerBody, releaseRunnerBody } from "../../../functions/src/faces/jobs/runner";
import { appendLogsBody, heartbeatRunnerBody } from "../../../functions/src/faces/jobs/schemas";
import type { HttpClient } from "./http";
import { checked } from "./validate";

export { MAX_LEASE_BATCH as MAX_JOBS_LEASE_BATCH } from "../../../functions/src/core/jobsApi/leaseJobs";
export { MAX_ARTIFACT_BYTES } from "../../../functions/src/core/jobsApi/model";
export { MAX_LOG_LINE_CHARS as MAX_JOB_LOG_LINE_CHARS, MAX_LOG_LINES_PER_APPEND as MAX_JOB_LOG_LINES_PER_APPEND, MAX_ERROR_CHARS as MAX_JOB_ERROR_CHARS } from "../../../functions/src/faces/jobs/schemas";

/** One leased job as `POST /jobs/runner/lease` hands it out. */
export type LeasedJob = ReturnType<typeof leasedJobView>;
/** `POST /jobs/:id/runner/heartbeat`: the lease's new end and what the holder must act on. */
export type JobHeartbeat = Awaited<ReturnType<typeof heartbeatJob>>;
export type JobLogLine = z.input<typeof appendLogsBody>["lines"][number];
export type { AppendLogsResult };
export type JobArtifact = ReturnType<typeof artifactView>;
export type JobRelease = ReleaseAs;

export class JobsClient {
  constructor(
    private readonly http: HttpClient,
    /** The runner's own id (seed 004's `x-runner-id`): with the key's owner, the lease holder. */
    readonly runnerId: string,
  ) {}

  async lease(tags: readonly string[], limit: number): Promise<LeasedJob[]> {
    const body = checked(leaseRunnerBody, { runnerId: this.runnerId, tags: [...tags], limit }, "lease");
    const response = await this.http.request<{ jobs: LeasedJob[] }>({ method: "POST", path: "/jobs/runner/lease", json: body, retry: "unprocessed" });
    return response.body.jobs;
  }

  /** `ackedMessageSeq`: the newest message seq this runner has; later ones keep coming until acknowledged. */
  async heartbeat(jobId: string, leaseToken: string, ackedMessageSeq: number): Promise<JobHeartbeat> {
    const body = checked(heartbeatRunnerBody, { runnerId: this.runnerId, leaseToken, ackedMessageSeq }, "heartbeat");
    return (await this.post<JobHeartbeat>(jobId, "heartbeat", body)).body;
  }

  /** `offset`: lines this runner already sent under this lease; a retried batch is stored once. */
  async appendLogs(jobId: string, leaseToken: string, offset: number, lines: JobLogLine[]): Promise<AppendLogsResult> {
    const body = checked(appendLogsBody, { runnerId: this.runnerId, leaseToken, offset, lines }, "logs");
    return (await this.post<AppendLogsResult>(jobId, "logs", body)).body;
  }

  /** Uploads one artifact; the same name and bytes again answers the stored artifact. */
  async uploadArtifact(jobId: string, leaseToken: string, name: string, bytes: Uint8Array, contentType: string): Promise<JobArtifact> {
    const fence = checked(artifactHeaders, { "x-runner-id": this.runnerId, "x-lease-token": leaseToken }, "artifact");
    const headers = { "x-runner-id": fence["x-runner-id"], "x-lease-token": fence["x-lease-token"] };
    const response = await this.http.request<{ artifact: JobArtifact }>({
      method: "POST",
      path: `/jobs/${encodeURIComponent(jobId)}/runner/artifacts`,
      query: { name },
      headers,
      raw: { bytes, contentType },
      timeoutMs: ARTIFACT_TIMEOUT_MS,
    });
    return response.body.artifact;
  }

  /** Idempotent for this holder: a retry after a lost answer gets `duplicate: true`. */
  async complete(jobId: string, leaseToken: string, result: Record<string, unknown>): Promise<{ status: string; duplicate: boolean }> {
    const body = checked(completeRunnerBody, { runnerId: this.runnerId, leaseToken, result }, "complete");
    return (await this.post<{ status: string; duplicate: boolean }>(jobId, "complete", body)).body;
  }

  async fail(jobId: string, leaseToken: string, error: string): Promise<{ status: string; duplicate: boolean }> {
    const body = checked(failRunnerBody, { runnerId: this.runnerId, leaseToken, error }, "fail");
    return (await this.post<{ status: string; duplicate: boolean }>(jobId, "fail", body)).body;
  }

  /** PENDING: back to the queue; PAUSED / CANCELLED: acknowledges a requested pause / cancel. */
  async release(jobId: string, leaseToken: string, status: JobRelease): Promise<{ status: JobRelease }> {
    const body = checked(releaseRunnerBody, { runnerId: this.runnerId, leaseToken, status }, "release");
    return (await this.post<{ status: JobRelease }>(jobId, "release", body)).body;
  }

  private post<T>(jobId: string, action: string, json: unknown) {
    return this.http.request<T>({ method: "POST", path: `/jobs/${encodeURIComponent(jobId)}/runner/${action}`, json });
  }
}

/** Artifacts run to 8 MiB: give their upload longer than a small call. */
const ARTIFACT_TIMEOUT_MS = 120_000;
