/**
 * Jobs-API jobs (seed 002): each job type runs the command the config names for it, in a fresh
 * work dir, with the job's params as JSON on stdin (and in RUNNER_JOB_PARAMS). Its stdout and
 * stderr stream to the job's log while it runs; declared outputs become artifacts; exit 0
 * completes the job, anything else fails it. Heartbeat answers steer it: cancel and pause stop
 * its process group and acknowledge (release as CANCELLED / PAUSED; a resumed job starts over),
 * messages go to the process as JSON lines on fd 3 and into the log.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { JobTypeConfig } from "../config";
import { RunnerApiError } from "../client/http";
import {
  MAX_ARTIFACT_BYTES,
  MAX_JOB_ERROR_CHARS,
  MAX_JOB_LOG_LINE_CHARS,
  MAX_JOB_LOG_LINES_PER_APPEND,
  MAX_JOBS_LEASE_BATCH,
  type JobHeartbeat,
  type JobsClient,
  type LeasedJob,
} from "../client/jobs";
import { artifactName, MAX_ARTIFACTS_PER_JOB, phaseList, phaseName, storableObject } from "../../../contract/src/jobs";
import { LogShipper } from "../logShipper";
import { TailBuffer } from "../process/lines";
import { ChildRun, CONTROL_FD, type ChildExit } from "../process/child";
import {
  clip,
  commandEnv,
  confinementFor,
  strongerStop,
  describeError,
  jsonObjectLine,
  LeaseKeeper,
  withWorkDir,
} from "./common";
import { contentTypeOf, findOutputs, sizeOf } from "./outputs";
import { JobsReport } from "./jobsReport";
import type { StopReason, Work, WorkContext, WorkResult, WorkSource } from "./types";
import { LlmWork, RpcWork, type AskConfig } from "./askWork";

/** Log shipping: how long lines wait for company, how many wait for the API, how many per job. */
export const LOG_FLUSH_MS = 300;
export const MAX_BUFFERED_LOG_LINES = 10_000;
export const MAX_LOG_LINES_PER_JOB = 20_000;
/** Params larger than this go on stdin only (environment variables are capped by the OS). */
const MAX_PARAMS_ENV_CHARS = 32 * 1024;
/** Output kept to explain a failure (the end of stderr, else stdout). */
const FAILURE_TAIL_BYTES = 2_000;

export class JobsSource implements WorkSource {
  readonly face = "jobs";
  readonly maxBatch = MAX_JOBS_LEASE_BATCH;

  constructor(
    private readonly ctx: WorkContext,
    private readonly client: JobsClient,
    private readonly tags: readonly string[],
    private readonly types: Record<string, JobTypeConfig>,
    /** The `llm` command and the plugins: what the runner offers, and how it answers `llm` / `rpc` jobs. */
    private readonly asks: AskConfig = { llm: null, plugins: {} },
  ) {}

  async lease(limit: number, waitMs = 0, signal?: AbortSignal): Promise<Work[]> {
    const jobs = await this.client.lease(this.tags, Math.min(limit, this.maxBatch), waitMs, signal);
    return jobs.map((job) => {
      if (job.kind === "llm") return new LlmWork(this.ctx, this.client, job, this.asks);
      if (job.kind === "rpc") return new RpcWork(this.ctx, this.client, job, this.asks);
      return new JobsWork(this.ctx, this.client, job, this.types[job.type]);
    });
  }
}

export class JobsWork implements Work {
  readonly face = "jobs";
  private stopReason: StopReason | null = null;
  private child: ChildRun | null = null;
  private readonly report: JobsReport;
  /** The newest message seq received: acknowledged in each heartbeat, and what older seqs are dropped against. */
  private messageSeq = 0;
  private logs: LogShipper | null = null;
  /** What the command reported with `::phases::` and `::phase::` lines, sent in each heartbeat. */
  private readonly progress: { phases?: string[]; phase?: string } = {};
  /** The newest phase rerun passed to the command: acknowledged in each heartbeat. */
  private rerunSeq = 0;

  constructor(
    private readonly ctx: WorkContext,
    private readonly client: JobsClient,
    private readonly job: LeasedJob,
    private readonly spec: JobTypeConfig | undefined,
  ) {
    this.report = new JobsReport(ctx, client, job);
  }

  get id(): string {
    return this.job.id;
  }

  stop(reason: StopReason): void {
    this.stopReason = strongerStop(this.stopReason, reason);
    this.child?.stop();
  }

  async run(): Promise<WorkResult> {
    try {
      if (this.spec === undefined) {
        // Jobs carry no runner filter beyond tags: route types to runners with tags.
        return await this.end(
          "FAILED",
          `Runner ${this.ctx.runnerId} has no command for job type "${this.job.type}" (configure "jobs"."${this.job.type}" in its runner.json, or route the type with tags).`,
        );
      }
      const spec = this.spec;
      return await withWorkDir("job", (dir) => this.runIn(dir, spec));
    } catch (error) {
      this.ctx.log("error", "job-crashed", { face: this.face, jobId: this.id, error: describeError(error) });
      return await this.end("FAILED", `The runner could not run the job: ${describeError(error)}`);
    }
  }

  private async runIn(workDir: string, spec: JobTypeConfig): Promise<WorkResult> {
    const logs = new LogShipper(
      {
        maxBatch: MAX_JOB_LOG_LINES_PER_APPEND,
        send: async (lines, offset) => void (await this.client.appendLogs(this.id, this.job.leaseToken, offset, lines)),
      },
      {
        flushMs: LOG_FLUSH_MS,
        maxBuffered: MAX_BUFFERED_LOG_LINES,
        maxTotal: MAX_LOG_LINES_PER_JOB,
        onLeaseLost: () => this.stop("lease-lost"),
        onError: (error) => this.ctx.log("warn", "log-append-failed", { jobId: this.id, error: describeError(error) }),
      },
    );
    this.logs = logs;
    const keeper = new LeaseKeeper(
      () => this.heartbeat(),
      Date.parse(this.job.leaseExpiresAt),
      (error) =>
        this.ctx.log("warn", "heartbeat-failed", { face: this.face, jobId: this.id, error: describeError(error) }),
    );
    keeper.start();
    const failureTail = { stdout: new TailBuffer(FAILURE_TAIL_BYTES), stderr: new TailBuffer(FAILURE_TAIL_BYTES) };
    let lastStdoutLine = "";
    let exit: ChildExit | null = null;
    try {
      if (this.stopReason === null) {
        // A webhook job's input is its delivery (`{ pluginId, deliveryId, headers, rawBody }`,
        // rawBody base64), run by the command configured for type `webhook`.
        const params = JSON.stringify(this.job.kind === "webhook" ? (this.job.payload ?? {}) : this.job.params);
        this.child = new ChildRun({
          confine: confinementFor(this.ctx, this.id, null),
          command: spec.command,
          cwd: spec.cwd ?? workDir,
          env: commandEnv({
            ...spec.env,
            RUNNER_ID: this.ctx.runnerId,
            RUNNER_JOB_ID: this.id,
            RUNNER_JOB_TYPE: this.job.type,
            RUNNER_JOB_WORKFLOW_PATH: this.job.workflowPath,
            RUNNER_JOB_ATTEMPT: String(this.job.attempts + 1),
            RUNNER_WORK_DIR: workDir,
            RUNNER_CONTROL_FD: String(CONTROL_FD),
            // Set when a person reran this job from a phase: the command starts there.
            ...(typeof this.job.startPhase === "string" ? { RUNNER_JOB_START_PHASE: this.job.startPhase } : {}),
            ...(params.length <= MAX_PARAMS_ENV_CHARS ? { RUNNER_JOB_PARAMS: params } : {}),
          }),
          stdin: params,
          timeoutMs: spec.timeoutMs ?? 0,
          controlChannel: true,
          maxLineChars: MAX_JOB_LOG_LINE_CHARS,
          onLine: (line, stream) => {
            logs.push(line, stream);
            if (stream === "stdout" && line.trim().length > 0) lastStdoutLine = line;
            if (stream === "stdout" && line.startsWith("::phase")) this.notePhase(line);
          },
          onChunk: (chunk, stream) => failureTail[stream].write(chunk),
        });
        // A stop that came while the process was starting must reach it too.
        if (this.stopReason !== null) this.child.stop();
        exit = await this.child.exited;
      }
    } finally {
      keeper.stop();
    }
    if (exit?.timedOut === true)
      logs.push(`[runner] stopped: the ${spec.timeoutMs ?? 0} ms time limit for "${this.job.type}" passed.`, "log");
    await logs.close();
    return this.settle(exit, workDir, spec, lastStdoutLine, failureTail);
  }

  private async settle(
    exit: ChildExit | null,
    workDir: string,
    spec: JobTypeConfig,
    lastStdoutLine: string,
    tail: { stdout: TailBuffer; stderr: TailBuffer },
  ): Promise<WorkResult> {
    if (this.stopReason === "lease-lost") return { outcome: "LOST", detail: "lease lost while running" };
    // Stopped by us (or never started because a stop came first): acknowledge what stopped it.
    if (exit === null || (exit.stopped && !exit.timedOut)) return this.report.releaseFor(this.stopReason);
    if (exit.spawnError !== null)
      return this.end("FAILED", `Could not start ${JSON.stringify(spec.command[0])}: ${exit.spawnError}`);
    if (exit.timedOut) return this.end("FAILED", `Timed out after ${spec.timeoutMs ?? 0} ms.`);
    if (exit.code !== 0) {
      const why = exit.code === null ? `was killed by ${exit.signal ?? "a signal"}` : `exited with code ${exit.code}`;
      const output = tail.stderr.text().trim() || tail.stdout.text().trim();
      return this.end("FAILED", clip(`The command ${why}.${output ? `\n${output}` : ""}`, MAX_JOB_ERROR_CHARS));
    }
    const uploaded = await this.uploadOutputs(workDir, spec.outputs);
    if ("lost" in uploaded) return { outcome: "LOST", detail: "lease lost while uploading" };
    if ("error" in uploaded) return this.end("FAILED", clip(uploaded.error, MAX_JOB_ERROR_CHARS));
    const result: Record<string, unknown> = {
      exitCode: 0,
      durationMs: exit.durationMs,
      artifacts: uploaded.names,
      runnerId: this.ctx.runnerId,
    };
    if (uploaded.skipped.length > 0) result.skippedOutputs = uploaded.skipped;
    const output = jsonObjectLine(lastStdoutLine);
    // Firestore cannot store every JSON value (arrays in arrays): such an output is left out, said so.
    if (output !== null) {
      if (storableObject.safeParse(output).success) result.output = output;
      else result.outputDropped = "the last stdout line is a JSON object Firestore cannot store";
    }
    return this.end("SUCCEEDED", undefined, result);
  }

  private async heartbeat(): Promise<number> {
    let answer: JobHeartbeat;
    try {
      answer = await this.client.heartbeat(this.id, this.job.leaseToken, this.messageSeq, {
        ...this.progress,
        ...(this.rerunSeq > 0 ? { ackedRerunSeq: this.rerunSeq } : {}),
      });
    } catch (error) {
      if (error instanceof RunnerApiError && error.leaseLost) {
        this.ctx.log("warn", "lease-lost", { face: this.face, jobId: this.id, reason: error.reason });
        this.stop("lease-lost");
      }
      throw error;
    }
    for (const message of answer.messages) {
      // Sent again until acknowledged (an answer may have been lost, or two beats raced): once each.
      if (message.seq <= this.messageSeq) continue;
      this.messageSeq = message.seq;
      this.ctx.log("info", "message", { face: this.face, jobId: this.id, seq: message.seq });
      this.child?.send({ type: "message", seq: message.seq, text: message.text, createdAt: message.createdAt });
      this.logs?.push(`[runner] message #${message.seq}: ${message.text}`, "log");
    }
    const rerun = answer.rerunPhase;
    if (rerun !== null && rerun !== undefined && rerun.seq > this.rerunSeq) {
      // Repeated until acknowledged: passed to the command once, acknowledged in the next beat.
      this.rerunSeq = rerun.seq;
      this.ctx.log("info", "phase-rerun", { face: this.face, jobId: this.id, phase: rerun.phase, seq: rerun.seq });
      this.child?.send({ type: "rerun-phase", phase: rerun.phase, seq: rerun.seq });
      this.logs?.push(`[runner] rerun from phase ${rerun.phase} (#${rerun.seq})`, "log");
    }
    if (answer.cancelRequested) {
      this.ctx.log("info", "cancel-requested", { face: this.face, jobId: this.id });
      this.child?.send({ type: "cancel" });
      this.stop("cancel");
    } else if (answer.pauseRequested) {
      this.ctx.log("info", "pause-requested", { face: this.face, jobId: this.id });
      this.child?.send({ type: "pause" });
      this.stop("pause");
    }
    return Date.parse(answer.leaseExpiresAt);
  }

  /**
   * A workflow command on the job's stdout, as GitHub Actions has them: `::phases::build,test`
   * names the job's phases in order, `::phase::test` says which one it is in. Sent in the next
   * heartbeat; a malformed one is logged and ignored, never sent (the server would refuse the beat).
   */
  private notePhase(line: string): void {
    const phases = /^::phases::(.*)$/.exec(line.trim());
    const phase = /^::phase::(.*)$/.exec(line.trim());
    if (phases !== null) {
      const list = phaseList.safeParse((phases[1] ?? "").split(",").map((p) => p.trim()));
      if (list.success) {
        this.progress.phases = list.data;
        if (this.progress.phase !== undefined && !list.data.includes(this.progress.phase)) delete this.progress.phase;
        return;
      }
    } else if (phase !== null) {
      const name = (phase[1] ?? "").trim();
      if (phaseName.safeParse(name).success && (this.progress.phases ?? [name]).includes(name)) {
        this.progress.phase = name;
        return;
      }
    } else {
      return;
    }
    this.ctx.log("warn", "bad-phase-command", { face: this.face, jobId: this.id, line: line.slice(0, 200) });
  }

  private async uploadOutputs(
    workDir: string,
    patterns: readonly string[],
  ): Promise<{ names: string[]; skipped: string[] } | { lost: true } | { error: string }> {
    let found: string[];
    try {
      found = await findOutputs(workDir, patterns);
    } catch (error) {
      return { error: `Collecting outputs failed: ${describeError(error)}` };
    }
    const names: string[] = [];
    const skipped: string[] = [];
    for (const name of found) {
      const path = join(workDir, ...name.split("/"));
      const size = await sizeOf(path);
      if (!artifactName.safeParse(name).success || size > MAX_ARTIFACT_BYTES || names.length >= MAX_ARTIFACTS_PER_JOB) {
        skipped.push(name);
        this.ctx.log("warn", "output-skipped", { jobId: this.id, name, size });
        continue;
      }
      try {
        await this.client.uploadArtifact(this.id, this.job.leaseToken, name, await readFile(path), contentTypeOf(name));
        names.push(name);
      } catch (error) {
        if (error instanceof RunnerApiError && error.leaseLost) return { lost: true };
        // An earlier attempt of this job stored other bytes under this name: keep theirs.
        if (error instanceof RunnerApiError && error.reason === "ARTIFACT_EXISTS") {
          skipped.push(name);
          continue;
        }
        return { error: `Uploading ${name} failed: ${describeError(error)}` };
      }
    }
    return { names, skipped };
  }

  private end(outcome: "SUCCEEDED" | "FAILED", error?: string, result: Record<string, unknown> = {}) {
    return this.report.end(outcome, error, result);
  }
}
