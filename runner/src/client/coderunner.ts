/**
 * Coderunner (seed 000), runner side: lease the tenant's executions, heartbeat, download the
 * code bundle, complete with the exit status and output, or fail. Auth: a tenant runner key
 * (minted by Control Plane with `POST /api/coderunner/runner-keys`). Bodies are wrapped in
 * `{ success, message, data }`.
 */
import type { z } from "zod";
import {
  bundleHeaders,
  completeBody,
  executionFinishedAnswer,
  executionHeartbeatAnswer,
  failBody,
  heldBody,
  leaseBody,
  leaseExecutionsAnswer,
  type ExecutionFinished,
  type ExecutionHeartbeat,
  type LeasedExecution,
} from "../../../contract/src/coderunner";
import { waitOptions, type HttpClient } from "./http";
import { checked } from "./validate";

export {
  LANGUAGE_TYPES,
  MAX_ERROR_CHARS as MAX_EXECUTION_ERROR_CHARS,
  MAX_OUTPUT_BYTES,
  MAX_RESULT_BYTES,
  MAX_UNCOMPRESSED_BYTES,
} from "../../../contract/src/code";
export type { ExecutionFinished, ExecutionHeartbeat, LeasedExecution };
export type ExecutionOutcome = Omit<z.input<typeof completeBody>, "leaseToken">;

/** Most executions one lease call may ask for: the lease body's own cap. */
export const MAX_EXECUTION_LEASE_BATCH = leaseBody.shape.limit.unwrap().maxValue ?? 1;

/** Bundles run to 8 MiB: give their download longer than a small call. */
const BUNDLE_TIMEOUT_MS = 120_000;

export class CoderunnerClient {
  constructor(private readonly http: HttpClient) {}

  async lease(limit: number, waitMs = 0, signal?: AbortSignal): Promise<LeasedExecution[]> {
    const json = checked(leaseBody, { limit, ...(waitMs > 0 ? { waitMs } : {}) }, "lease");
    const response = await this.http.request(
      {
        method: "POST",
        path: "/api/coderunner/executions/lease",
        json,
        retry: "unprocessed",
        ...waitOptions(waitMs, signal),
      },
      leaseExecutionsAnswer,
    );
    return response.body.data.executions;
  }

  async heartbeat(executionId: string, leaseToken: string): Promise<ExecutionHeartbeat> {
    const json = checked(heldBody, { leaseToken }, "heartbeat");
    return (
      await this.http.request(
        { method: "POST", path: this.path(executionId, "heartbeat"), json },
        executionHeartbeatAnswer,
      )
    ).body.data;
  }

  /** The ZIP's bytes (the holder only). `path` is the one the lease named. */
  async bundle(path: string, leaseToken: string): Promise<Buffer> {
    const headers = checked(bundleHeaders, { "x-lease-token": leaseToken }, "bundle");
    return (await this.http.requestBytes({ method: "GET", path, headers, timeoutMs: BUNDLE_TIMEOUT_MS })).body;
  }

  /** SUCCEEDED on exit code 0, FAILED otherwise; the same completion again is a no-op. */
  async complete(executionId: string, leaseToken: string, outcome: ExecutionOutcome): Promise<ExecutionFinished> {
    const json = checked(completeBody, { leaseToken, ...outcome }, "complete");
    return (
      await this.http.request(
        { method: "POST", path: this.path(executionId, "complete"), json },
        executionFinishedAnswer,
      )
    ).body.data;
  }

  /** The runner could not run it at all (bad bundle, missing runtime, shutting down). */
  async fail(executionId: string, leaseToken: string, error: string): Promise<ExecutionFinished> {
    const json = checked(failBody, { leaseToken, error }, "fail");
    return (
      await this.http.request({ method: "POST", path: this.path(executionId, "fail"), json }, executionFinishedAnswer)
    ).body.data;
  }

  private path(executionId: string, action: string): string {
    return `/api/coderunner/executions/${encodeURIComponent(executionId)}/${action}`;
  }
}
