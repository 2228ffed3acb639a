/**
 * The jobs the routes a runner answers become (seed 002; docs/intake.md):
 *
 * - `llm` (an intake chat turn): the configured `llm` command gets the chat as JSON on stdin and
 *   writes its output on stdout as it comes, one JSON line a piece: `{"text":"…"}` for output,
 *   `{"usage":{"outputTokens":n,"inputTokens":m}}` for the count so far, `{"error":"…"}` for a
 *   provider failure (a line that is not JSON is output text, with its newline). Pieces go to the
 *   server as they come (one post in flight, the rest gathered behind it), so the caller sees the
 *   first token one round trip after the command writes it.
 * - `rpc` (a plugin or diagnostic request): `plugins.list` is answered from the config; the
 *   others run the plugin's command with `{ method, pluginId, params }` on stdin, and its last
 *   stdout line, a JSON object, is the answer. `test.llm` runs the `llm` command on a tiny prompt.
 */
import { llmPayloadSchema, rpcPayloadSchema, type RpcPayload } from "../../../contract/src/capabilities";
import { storableObject } from "../../../contract/src/jobs";
import type { CommandFaceConfig, PluginConfig } from "../config";
import { RunnerApiError } from "../client/http";
import { MAX_JOB_ERROR_CHARS, MAX_JOB_LOG_LINE_CHARS, type JobsClient, type LeasedJob } from "../client/jobs";
import { ChildRun, type ChildExit } from "../process/child";
import { TailBuffer } from "../process/lines";
import {
  clip,
  commandEnv,
  confinementFor,
  describeError,
  jsonObjectLine,
  LeaseKeeper,
  strongerStop,
  withWorkDir,
} from "./common";
import { JobsReport } from "./jobsReport";
import type { StopReason, Work, WorkContext, WorkResult } from "./types";

/** What the runner answers with: its `llm` command and its plugins. */
export interface AskConfig {
  llm: CommandFaceConfig | null;
  plugins: Record<string, PluginConfig>;
}

/** An rpc command may run this long unless its plugin says otherwise (the caller waits 25 s at most). */
export const DEFAULT_RPC_TIMEOUT_MS = 20_000;
/** Pieces one token post carries at most (the server takes up to 500). */
const MAX_CHUNKS_PER_POST = 200;
const FAILURE_TAIL_BYTES = 2_000;

/** A stop the server asked for: the turn passed its budget (the job has already ended). */
type AskStop = StopReason | "budget";

abstract class AskWork implements Work {
  readonly face = "jobs";
  protected stopReason: AskStop | null = null;
  protected child: ChildRun | null = null;
  private readonly report: JobsReport;

  constructor(
    protected readonly ctx: WorkContext,
    protected readonly client: JobsClient,
    protected readonly job: LeasedJob,
    protected readonly config: AskConfig,
  ) {
    this.report = new JobsReport(ctx, client, job);
  }

  get id(): string {
    return this.job.id;
  }

  stop(reason: AskStop): void {
    this.stopReason =
      reason === "budget" || this.stopReason === "budget" ? "budget" : strongerStop(this.stopReason, reason);
    this.child?.stop();
  }

  async run(): Promise<WorkResult> {
    const keeper = new LeaseKeeper(
      () => this.heartbeat(),
      Date.parse(this.job.leaseExpiresAt),
      (error) =>
        this.ctx.log("warn", "heartbeat-failed", { face: this.face, jobId: this.id, error: describeError(error) }),
    );
    keeper.start();
    try {
      return await this.work();
    } catch (error) {
      this.ctx.log("error", "job-crashed", { face: this.face, jobId: this.id, error: describeError(error) });
      return await this.end("FAILED", `The runner could not answer: ${describeError(error)}`);
    } finally {
      keeper.stop();
    }
  }

  protected abstract work(): Promise<WorkResult>;

  /** Runs `command` with `input` on stdin; `onStdout` sees each stdout line. */
  protected async runCommand(
    spec: { command: string[]; env: Record<string, string>; cwd?: string; timeoutMs?: number },
    input: unknown,
    defaultTimeoutMs: number,
    onStdout: (line: string) => void,
  ): Promise<{ exit: ChildExit | null; tail: string }> {
    return withWorkDir(this.job.kind, async (workDir) => {
      const tail = { stdout: new TailBuffer(FAILURE_TAIL_BYTES), stderr: new TailBuffer(FAILURE_TAIL_BYTES) };
      if (this.stopReason !== null) return { exit: null, tail: "" };
      this.child = new ChildRun({
        confine: confinementFor(this.ctx, this.id, null),
        command: spec.command,
        cwd: spec.cwd ?? workDir,
        env: commandEnv({
          ...spec.env,
          RUNNER_ID: this.ctx.runnerId,
          RUNNER_JOB_ID: this.id,
          RUNNER_JOB_KIND: this.job.kind,
          RUNNER_WORK_DIR: workDir,
        }),
        stdin: JSON.stringify(input),
        timeoutMs: spec.timeoutMs ?? defaultTimeoutMs,
        controlChannel: false,
        maxLineChars: MAX_JOB_LOG_LINE_CHARS,
        onLine: (line, stream) => {
          if (stream === "stdout") onStdout(line);
        },
        onChunk: (chunk, stream) => tail[stream].write(chunk),
      });
      if (this.stopReason !== null) this.child.stop();
      const exit = await this.child.exited;
      return { exit, tail: tail.stderr.text().trim() || tail.stdout.text().trim() };
    });
  }

  /** Why a command's run did not succeed, or null when it did (exit 0). */
  protected commandFailure(
    spec: { command: string[]; timeoutMs?: number },
    exit: ChildExit,
    tail: string,
  ): string | null {
    if (exit.spawnError !== null) return `Could not start ${JSON.stringify(spec.command[0])}: ${exit.spawnError}`;
    if (exit.timedOut) return `Timed out after ${spec.timeoutMs ?? DEFAULT_RPC_TIMEOUT_MS} ms.`;
    if (exit.code === 0) return null;
    const why = exit.code === null ? `was killed by ${exit.signal ?? "a signal"}` : `exited with code ${exit.code}`;
    return clip(`The command ${why}.${tail ? `\n${tail}` : ""}`, MAX_JOB_ERROR_CHARS);
  }

  /** Acknowledges a stop that came from the server or the runner, as JobsWork does. */
  protected settleStopped(): Promise<WorkResult> | WorkResult {
    switch (this.stopReason) {
      case "lease-lost":
        return { outcome: "LOST", detail: "lease lost while running" };
      case "budget":
        // The server ended the job when the turn passed its budget: nothing left to report.
        return { outcome: "FAILED", detail: "the turn passed its output token budget" };
      default:
        return this.report.releaseFor(this.stopReason);
    }
  }

  private async heartbeat(): Promise<number> {
    try {
      const answer = await this.client.heartbeat(this.id, this.job.leaseToken, 0);
      if (answer.cancelRequested) this.stop("cancel");
      else if (answer.pauseRequested) this.stop("pause");
      return Date.parse(answer.leaseExpiresAt);
    } catch (error) {
      if (error instanceof RunnerApiError && error.leaseLost) this.stop("lease-lost");
      throw error;
    }
  }

  protected end(outcome: "SUCCEEDED" | "FAILED", error?: string, result: Record<string, unknown> = {}) {
    return this.report.end(outcome, error, result);
  }
}

/** An intake chat turn, streamed to the server as the `llm` command writes it. */
export class LlmWork extends AskWork {
  protected async work(): Promise<WorkResult> {
    const spec = this.config.llm;
    if (spec === null) return this.end("FAILED", `Runner ${this.ctx.runnerId} has no "llm" command configured.`);
    const payload = llmPayloadSchema.safeParse(this.job.payload);
    if (!payload.success) return this.end("FAILED", "The turn's payload is not a chat this runner understands.");
    const output = new TokenSender(this.client, this.id, this.job.leaseToken, {
      onStop: () => this.stop("budget"),
      onLeaseLost: () => this.stop("lease-lost"),
      onError: (error) => this.ctx.log("warn", "tokens-failed", { jobId: this.id, error: describeError(error) }),
    });
    const run = await this.runCommand(spec, payload.data, 0, (line) => output.line(line));
    await output.close();
    if (output.failed !== null && this.stopReason === null)
      return this.end("FAILED", clip(`Sending output failed: ${output.failed}`, MAX_JOB_ERROR_CHARS));
    if (run.exit === null || (run.exit.stopped && !run.exit.timedOut) || this.stopReason !== null)
      return this.settleStopped();
    const failure = output.providerError ?? this.commandFailure(spec, run.exit, run.tail);
    if (failure !== null) return this.end("FAILED", clip(failure, MAX_JOB_ERROR_CHARS));
    return this.end("SUCCEEDED", undefined, { usage: output.usage(), runnerId: this.ctx.runnerId });
  }
}

/** Ships an `llm` command's output: one post in flight, what comes meanwhile gathered behind it. */
export class TokenSender {
  private pending: string[] = [];
  private offset = 0;
  private sent = 0;
  private reported: number | undefined;
  private inputTokens: number | undefined;
  private flushing: Promise<void> | null = null;
  private stopped = false;
  /** The last post's error, when posting failed for good. */
  failed: string | null = null;
  /** What the command said with `{"error": …}`. */
  providerError: string | null = null;

  constructor(
    private readonly client: Pick<JobsClient, "appendTokens">,
    private readonly jobId: string,
    private readonly leaseToken: string,
    private readonly on: { onStop: () => void; onLeaseLost: () => void; onError: (error: unknown) => void },
  ) {}

  /** One stdout line of the command. */
  line(line: string): void {
    const piece = parsePiece(line);
    if ("text" in piece) {
      if (piece.text.length > 0) this.pending.push(piece.text);
    } else if ("usage" in piece) {
      if (piece.outputTokens !== undefined) this.reported = Math.max(this.reported ?? 0, piece.outputTokens);
      if (piece.inputTokens !== undefined) this.inputTokens = piece.inputTokens;
    } else {
      this.providerError = piece.error;
    }
    this.kick();
  }

  usage(): { outputTokens: number; inputTokens?: number } {
    return {
      outputTokens: Math.max(this.reported ?? 0, this.sent),
      ...(this.inputTokens === undefined ? {} : { inputTokens: this.inputTokens }),
    };
  }

  /** Sends what is left, and the final count. */
  async close(): Promise<void> {
    while (this.flushing !== null) await this.flushing;
    if (this.stopped) return;
    if (this.pending.length > 0 || this.reported !== undefined) await this.flush(true);
  }

  private kick(): void {
    if (this.flushing !== null || this.stopped || this.pending.length === 0) return;
    this.flushing = this.flush(false).finally(() => {
      this.flushing = null;
      this.kick();
    });
  }

  private async flush(final: boolean): Promise<void> {
    const chunks = this.pending.splice(0, MAX_CHUNKS_PER_POST);
    if (!final && chunks.length === 0) return;
    for (let attempt = 0; ; attempt++) {
      try {
        const answer = await this.client.appendTokens(this.jobId, this.leaseToken, this.offset, chunks, this.reported);
        this.offset = answer.nextOffset;
        this.sent += chunks.length;
        if (answer.stop) {
          this.stopped = true;
          this.on.onStop();
        }
        if (final && this.pending.length > 0 && !this.stopped) return this.flush(true);
        return;
      } catch (error) {
        if (error instanceof RunnerApiError && (error.leaseLost || error.status === 409)) {
          this.stopped = true;
          if (error.leaseLost) this.on.onLeaseLost();
          else this.failed = describeError(error);
          return;
        }
        this.on.onError(error);
        if (attempt >= 3) {
          this.stopped = true;
          this.failed = describeError(error);
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 200 * 2 ** attempt));
      }
    }
  }
}

type Piece = { text: string } | { usage: true; outputTokens?: number; inputTokens?: number } | { error: string };

/** One line of an `llm` command's stdout (see the module comment). */
export function parsePiece(line: string): Piece {
  const trimmed = line.trim();
  if (trimmed.startsWith("{")) {
    try {
      const value = JSON.parse(trimmed) as Record<string, unknown>;
      if (typeof value.text === "string") return { text: value.text };
      if (typeof value.error === "string") return { error: value.error };
      if (typeof value.usage === "object" && value.usage !== null) {
        const usage = value.usage as Record<string, unknown>;
        const count = (v: unknown) => (typeof v === "number" && Number.isInteger(v) && v >= 0 ? v : undefined);
        return { usage: true, outputTokens: count(usage.outputTokens), inputTokens: count(usage.inputTokens) };
      }
    } catch {
      // Not JSON after all: output text like any other line.
    }
  }
  return { text: `${line}\n` };
}

/** A plugin or diagnostic request, answered from the config or by the plugin's command. */
export class RpcWork extends AskWork {
  protected async work(): Promise<WorkResult> {
    const parsed = rpcPayloadSchema.safeParse(this.job.payload);
    if (!parsed.success) return this.end("FAILED", "The request's payload is not one this runner understands.");
    const request = parsed.data;
    switch (request.method) {
      case "plugins.list":
        return this.answer({
          plugins: Object.entries(this.config.plugins).map(([id, p]) => ({ id, capabilities: p.capabilities })),
          llm: this.config.llm !== null,
        });
      case "plugins.install": {
        const id = typeof request.params.id === "string" ? request.params.id : "";
        if (id in this.config.plugins) return this.answer({ id, installed: true, alreadyInstalled: true });
        return this.end(
          "FAILED",
          `Runner ${this.ctx.runnerId} installs plugins from its config file: add "plugins"."${id}" (a command) to its runner.json and restart it.`,
        );
      }
      case "test.llm":
        return this.testLlm(request);
      case "test.git":
      case "test.tracker": {
        const capability = request.method.slice("test.".length);
        const id = Object.keys(this.config.plugins).find((p) =>
          this.config.plugins[p]?.capabilities.includes(capability),
        );
        if (id === undefined) return this.end("FAILED", `No plugin of this runner has "${capability}".`);
        return this.ask(id, { ...request, pluginId: id });
      }
      default:
        return this.ask(request.pluginId ?? "", request);
    }
  }

  private async ask(id: string, request: RpcPayload): Promise<WorkResult> {
    const spec = this.config.plugins[id];
    if (spec === undefined) return this.end("FAILED", `Runner ${this.ctx.runnerId} has no plugin "${id}".`);
    let last = "";
    const run = await this.runCommand(spec, request, DEFAULT_RPC_TIMEOUT_MS, (line) => {
      if (line.trim().length > 0) last = line;
    });
    if (run.exit === null || (run.exit.stopped && !run.exit.timedOut) || this.stopReason !== null)
      return this.settleStopped();
    const failure = this.commandFailure(spec, run.exit, run.tail);
    if (failure !== null) return this.end("FAILED", failure);
    const answer = jsonObjectLine(last);
    if (answer === null)
      return this.end("FAILED", `Plugin "${id}" did not end its output with a JSON object (its answer).`);
    return this.answer(answer);
  }

  private async testLlm(request: RpcPayload): Promise<WorkResult> {
    const spec = this.config.llm;
    if (spec === null) return this.end("FAILED", `Runner ${this.ctx.runnerId} has no "llm" command configured.`);
    const prompt = typeof request.params.prompt === "string" ? request.params.prompt : "Reply with OK.";
    const chat = {
      sessionId: `test-${this.id}`,
      messages: [{ role: "user", content: prompt }],
      model: typeof request.params.model === "string" ? request.params.model : null,
      provider: typeof request.params.provider === "string" ? request.params.provider : null,
      context: {},
      maxOutputTokens: 32,
    };
    let text = "";
    let error: string | null = null;
    const started = Date.now();
    const run = await this.runCommand(spec, chat, DEFAULT_RPC_TIMEOUT_MS, (line) => {
      const piece = parsePiece(line);
      if ("text" in piece) text += piece.text;
      else if ("error" in piece) error = piece.error;
    });
    if (run.exit === null || (run.exit.stopped && !run.exit.timedOut) || this.stopReason !== null)
      return this.settleStopped();
    const failure = error ?? this.commandFailure(spec, run.exit, run.tail);
    if (failure !== null) return this.end("FAILED", clip(failure, MAX_JOB_ERROR_CHARS));
    return this.answer({ ok: true, text: text.slice(0, 2_000), ms: Date.now() - started });
  }

  private answer(answer: Record<string, unknown>): Promise<WorkResult> {
    if (!storableObject.safeParse(answer).success)
      return this.end("FAILED", "The answer is a JSON object the server cannot store (arrays in arrays?).");
    return this.end("SUCCEEDED", undefined, { answer, runnerId: this.ctx.runnerId });
  }
}
