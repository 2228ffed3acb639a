/**
 * Seed 004 review tasks: the `review` command from the config runs with the task (repository,
 * commit, changed files, AI config) as JSON on stdin; its output lines become the task's log; its
 * last stdout line is the result `{ files, totalComments, rating?, metrics? }`. Phases are
 * reported as it goes (preparing → reviewing → submitting). Seed 004 has no per-task heartbeat:
 * the runner's fleet heartbeat keeps these leases alive, and deregistering hands them back.
 */
import type { CommandFaceConfig } from "../config";
import { RunnerApiError } from "../client/http";
import {
  MAX_CLAIM_LIMIT,
  MAX_TASK_ERROR_CHARS,
  MAX_TASK_LOG_LINE_CHARS,
  MAX_TASK_LOG_LINES,
  type FleetClient,
  type ReviewTask,
  type TaskPhase,
  type TaskResult,
} from "../client/fleet";
import { resultBody } from "../../../contract/src/fleet";
import { LogShipper } from "../logShipper";
import { ChildRun, CONTROL_FD, type ChildExit } from "../process/child";
import { TailBuffer } from "../process/lines";
import { clip, commandEnv, confinementFor, strongerStop, describeError, reportEnd, withWorkDir } from "./common";
import { LOG_FLUSH_MS, MAX_BUFFERED_LOG_LINES, MAX_LOG_LINES_PER_JOB } from "./jobsWork";
import type { StopReason, Work, WorkContext, WorkResult, WorkSource } from "./types";

/** The end of stdout kept to find the result line in (results carry per-file comments). */
const RESULT_TAIL_BYTES = 512 * 1024;
const FAILURE_TAIL_BYTES = 2_000;

export class ReviewSource implements WorkSource {
  readonly face = "fleet";
  readonly maxBatch = MAX_CLAIM_LIMIT;

  constructor(
    private readonly ctx: WorkContext,
    private readonly client: FleetClient,
    private readonly spec: CommandFaceConfig,
  ) {}

  async lease(limit: number, waitMs = 0, signal?: AbortSignal): Promise<Work[]> {
    const tasks = await this.client.claim(Math.min(limit, this.maxBatch), waitMs, signal);
    return tasks.map((task) => new ReviewWork(this.ctx, this.client, task, this.spec));
  }
}

export class ReviewWork implements Work {
  readonly face = "fleet";
  private stopReason: StopReason | null = null;
  private child: ChildRun | null = null;
  /** Seed 004 tasks carry no lease token; the ledger keys their lease by claim time instead. */
  private readonly leaseKey: string;

  constructor(
    private readonly ctx: WorkContext,
    private readonly client: FleetClient,
    private readonly task: ReviewTask,
    private readonly spec: CommandFaceConfig,
  ) {
    this.leaseKey = `${task.leaseExpiresAt ?? ""}#${task.attempts}`;
  }

  get id(): string {
    return this.task.id;
  }

  stop(reason: StopReason): void {
    this.stopReason = strongerStop(this.stopReason, reason);
    this.child?.stop();
  }

  async run(): Promise<WorkResult> {
    try {
      return await withWorkDir("review", (dir) => this.runIn(dir));
    } catch (error) {
      this.ctx.log("error", "job-crashed", { face: this.face, jobId: this.id, error: describeError(error) });
      return await this.submit({
        status: "failed",
        files: [],
        totalComments: 0,
        metrics: {},
        error: clip(`The runner could not run the review: ${describeError(error)}`, MAX_TASK_ERROR_CHARS),
      });
    }
  }

  private async runIn(workDir: string): Promise<WorkResult> {
    if (!(await this.phase("preparing"))) return { outcome: "LOST", detail: "lease lost before starting" };
    const logs = new LogShipper(
      {
        maxBatch: MAX_TASK_LOG_LINES,
        send: async (lines) =>
          void (await this.client.logs(
            this.id,
            lines.map((l) => l.line),
          )),
      },
      {
        flushMs: LOG_FLUSH_MS,
        maxBuffered: MAX_BUFFERED_LOG_LINES,
        maxTotal: MAX_LOG_LINES_PER_JOB,
        onLeaseLost: () => this.stop("lease-lost"),
        onError: (error) =>
          this.ctx.log("warn", "log-append-failed", { face: this.face, jobId: this.id, error: describeError(error) }),
      },
    );
    const stdout = new TailBuffer(RESULT_TAIL_BYTES);
    const stderr = new TailBuffer(FAILURE_TAIL_BYTES);
    let exit: ChildExit | null = null;
    if (this.stopReason === null) {
      this.child = new ChildRun({
        confine: confinementFor(this.ctx, this.id, null),
        command: this.spec.command,
        cwd: this.spec.cwd ?? workDir,
        env: commandEnv({
          ...this.spec.env,
          RUNNER_ID: this.ctx.runnerId,
          RUNNER_TASK_ID: this.id,
          RUNNER_WORK_DIR: workDir,
          RUNNER_CONTROL_FD: String(CONTROL_FD),
        }),
        stdin: JSON.stringify(this.task),
        timeoutMs: this.spec.timeoutMs ?? 0,
        controlChannel: true,
        maxLineChars: MAX_TASK_LOG_LINE_CHARS,
        onLine: (line, stream) => logs.push(line, stream),
        onChunk: (chunk, stream) => (stream === "stdout" ? stdout : stderr).write(chunk),
      });
      if (this.stopReason !== null) this.child.stop();
      void this.phase("reviewing");
      exit = await this.child.exited;
    }
    await logs.close();
    if (this.stopReason === "lease-lost") return { outcome: "LOST", detail: "lease lost while running" };
    // Stopped for shutdown: the task goes back to the queue when the runner deregisters.
    if (exit === null || (exit.stopped && !exit.timedOut))
      return { outcome: "RELEASED", detail: "handed back on deregistration" };
    return this.submit(this.resultOf(exit, stdout.text(), stderr.text()));
  }

  private resultOf(exit: ChildExit, stdout: string, stderr: string): TaskResult {
    const metrics = { durationMs: exit.durationMs };
    const failed = (error: string): TaskResult => ({
      status: "failed",
      files: [],
      totalComments: 0,
      metrics,
      error: clip(error, MAX_TASK_ERROR_CHARS),
    });
    if (exit.spawnError !== null)
      return failed(`Could not start ${JSON.stringify(this.spec.command[0])}: ${exit.spawnError}`);
    if (exit.timedOut) return failed(`Timed out after ${this.spec.timeoutMs ?? 0} ms.`);
    if (exit.code !== 0)
      return failed(
        `The review command exited with ${exit.code === null ? (exit.signal ?? "a signal") : `code ${exit.code}`}.\n${stderr.trim()}`,
      );
    const lines = stdout.trim().split("\n");
    const last = lines[lines.length - 1] ?? "";
    let reported: unknown;
    try {
      reported = JSON.parse(last);
    } catch {
      return failed(
        "The review command printed no result: its last stdout line must be a JSON object { files, totalComments, rating?, metrics? }.",
      );
    }
    const candidate = {
      runnerId: this.ctx.runnerId,
      status: "success",
      files: [],
      totalComments: 0,
      ...(isObject(reported) ? reported : {}),
      metrics: { ...metrics, ...(isObject(reported) && isObject(reported.metrics) ? reported.metrics : {}) },
    };
    const parsed = resultBody.safeParse(candidate);
    if (!parsed.success)
      return failed(
        `The review command's result is not valid: ${parsed.error.issues
          .slice(0, 3)
          .map((i) => `${i.path.join(".")}: ${i.message}`)
          .join("; ")}`,
      );
    const { runnerId: _runnerId, ...result } = parsed.data;
    return result;
  }

  /** Reports a phase; false when the lease is gone. Other failures only cost the phase report. */
  private async phase(phase: TaskPhase): Promise<boolean> {
    try {
      await this.client.status(this.id, phase);
      return true;
    } catch (error) {
      if (error instanceof RunnerApiError && error.leaseLost) {
        this.stop("lease-lost");
        return false;
      }
      this.ctx.log("warn", "phase-failed", { face: this.face, jobId: this.id, phase, error: describeError(error) });
      return true;
    }
  }

  private async submit(result: TaskResult): Promise<WorkResult> {
    if (result.status === "success") await this.phase("submitting");
    if (this.stopReason === "lease-lost") return { outcome: "LOST", detail: "lease lost before submitting" };
    const outcome = result.status === "success" ? "SUCCEEDED" : "FAILED";
    return reportEnd(
      this.ctx,
      "fleet",
      this.id,
      this.leaseKey,
      outcome,
      () => this.client.result(this.id, result),
      result.error,
    );
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
