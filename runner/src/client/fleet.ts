/**
 * The runner fleet (seed 004), runner side: register with `x-runner-*` headers, heartbeat, claim
 * review tasks, report phase, logs and the result, deregister. Bodies are wrapped in `{ data }`.
 * Auth: an API key with `runners:write`.
 */
import { z } from "zod";
import {
  claimQuery,
  fleetRunnerSchema,
  heartbeatBody,
  logsBody,
  registrationHeaders,
  resultBody,
  reviewTaskSchema,
  statusBody,
  taskLogsAnswerSchema,
  wrapped,
  type FleetRunner,
  type ReviewTask,
  type TaskLogsAnswer,
  type TaskPhase,
} from "../../../contract/src/fleet";
import { waitOptions, type HttpClient } from "./http";
import type { RunnerOffers } from "./jobs";
import { checked } from "./validate";

export {
  MAX_LOG_LINE_CHARS as MAX_TASK_LOG_LINE_CHARS,
  MAX_LOG_LINES as MAX_TASK_LOG_LINES,
  MAX_ERROR_CHARS as MAX_TASK_ERROR_CHARS,
  MAX_CLAIM_LIMIT,
} from "../../../contract/src/fleet";

export type { FleetRunner, ReviewTask, TaskLogsAnswer, TaskPhase };
export type RunnerStatus = z.input<typeof heartbeatBody>["status"];
/** A task's result without `runnerId` (the client adds its own). */
export type TaskResult = Omit<z.input<typeof resultBody>, "runnerId">;

export interface Registration {
  name?: string;
  version?: string;
  os?: string;
  arch?: string;
  maxConcurrency?: number;
  tags?: readonly string[];
}

const runnerAnswer = wrapped(fleetRunnerSchema);
const taskAnswer = wrapped(reviewTaskSchema);

export class FleetClient {
  constructor(
    private readonly http: HttpClient,
    readonly runnerId: string,
    /**
     * What it offers to the routes a runner answers, sent on register and heartbeat (our optional
     * additions to seed 004) so it counts as online for them. Only for a runner that leases the
     * `llm` / `rpc` jobs too (the jobs face): none sends nothing.
     */
    private readonly offers: RunnerOffers = { capabilities: [], plugins: [] },
  ) {}

  private offering(): boolean {
    return this.offers.capabilities.length > 0 || this.offers.plugins.length > 0;
  }

  /** Upsert: safe to repeat (e.g. after the runner was reaped or deleted). */
  async register(registration: Registration, signal?: AbortSignal): Promise<FleetRunner> {
    const input = {
      "x-runner-id": this.runnerId,
      "x-runner-name": registration.name,
      "x-runner-version": registration.version,
      "x-runner-os": registration.os,
      "x-runner-arch": registration.arch,
      "x-runner-max-concurrency":
        registration.maxConcurrency === undefined ? undefined : String(registration.maxConcurrency),
      "x-runner-tags": registration.tags === undefined ? undefined : registration.tags.join(","),
      // An empty list would be a blank header, which counts as absent: left out instead.
      "x-runner-capabilities": listHeader(this.offers.capabilities),
      "x-runner-plugins": listHeader(this.offers.plugins),
    };
    checked(registrationHeaders, input, "register");
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(input)) if (value !== undefined) headers[name] = value;
    return (await this.http.request({ method: "POST", path: "/api/runners/register", headers, signal }, runnerAnswer))
      .body.data;
  }

  async heartbeat(status: RunnerStatus, currentJobs: number): Promise<FleetRunner> {
    const offers = this.offering() ? { ...this.offers } : {};
    const json = checked(heartbeatBody, { status, currentJobs, ...offers }, "heartbeat");
    return (
      await this.http.request(
        { method: "POST", path: `/api/runners/${encodeURIComponent(this.runnerId)}/heartbeat`, json },
        runnerAnswer,
      )
    ).body.data;
  }

  /**
   * Claims up to `limit` tasks. Not retried on ambiguous failures: a lost answer would leave
   * claimed tasks we do not know about, and asking again does not return them (they come back
   * to the queue when their lease lapses).
   */
  async claim(limit: number, waitMs = 0, signal?: AbortSignal): Promise<ReviewTask[]> {
    const query = { runnerId: this.runnerId, limit: String(limit), ...(waitMs > 0 ? { waitMs: String(waitMs) } : {}) };
    checked(claimQuery, query, "claim");
    return (
      await this.http.request(
        {
          method: "GET",
          path: "/api/runners/tasks/pending",
          query,
          retry: "unprocessed",
          ...waitOptions(waitMs, signal),
        },
        wrapped(z.array(reviewTaskSchema)),
      )
    ).body.data;
  }

  async status(taskId: string, phase: TaskPhase): Promise<ReviewTask> {
    const json = checked(statusBody, { status: phase, runnerId: this.runnerId }, "status");
    return (await this.http.request({ method: "POST", path: this.taskPath(taskId, "status"), json }, taskAnswer)).body
      .data;
  }

  /** Seed 004 log appends carry no sequence number, so they are retried only when surely unsent. */
  async logs(taskId: string, lines: string[]): Promise<TaskLogsAnswer> {
    const json = checked(logsBody, { logs: lines, runnerId: this.runnerId }, "logs");
    return (
      await this.http.request(
        { method: "POST", path: this.taskPath(taskId, "logs"), json, retry: "unprocessed" },
        wrapped(taskLogsAnswerSchema),
      )
    ).body.data;
  }

  /** Idempotent for the holder: the very same result again answers the same. */
  async result(taskId: string, result: TaskResult): Promise<ReviewTask> {
    const json = checked(resultBody, { ...result, runnerId: this.runnerId }, "result");
    return (await this.http.request({ method: "POST", path: this.taskPath(taskId, "result"), json }, taskAnswer)).body
      .data;
  }

  /** Offline; every job this runner still holds goes back to its queue. */
  async deregister(signal?: AbortSignal): Promise<FleetRunner> {
    return (
      await this.http.request(
        { method: "DELETE", path: `/api/runners/${encodeURIComponent(this.runnerId)}`, signal },
        runnerAnswer,
      )
    ).body.data;
  }

  private taskPath(taskId: string, action: string): string {
    return `/api/runners/tasks/${encodeURIComponent(taskId)}/${action}`;
  }
}

function listHeader(list: readonly string[]): string | undefined {
  return list.length === 0 ? undefined : list.join(",");
}
