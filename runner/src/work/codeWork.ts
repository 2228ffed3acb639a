/**
 * Coderunner executions (seed 000): download the version's bundle, unpack it into a fresh
 * directory (checked as the server checks uploads), and run its entry point with the run's
 * payload as JSON on stdin, under a time limit and the deployment's memory limit:
 *
 * - NodeJS: `node --max-old-space-size=<MiB> <entry>`. A CommonJS entry that exports a function
 *   (`module.exports = async (payload) => …`, or `exports.handler` / `exports.default`) is also
 *   called with the payload once the script's own top level has run, and what it returns is the
 *   execution's `result`.
 * - Python: `python3 <entry>`, under `prlimit --as=<bytes>` where prlimit exists.
 * - DotNetScript: `dotnet-script <entry>` if it is on PATH; otherwise the execution fails saying so.
 *
 * Any language may write its structured result as JSON to the file named by
 * `CODERUNNER_RESULT_FILE`. The output (stdout and stderr, interleaved, the last 256 KiB) and the
 * exit status are reported; the server marks exit 0 SUCCEEDED and anything else FAILED.
 * Executions are the tenant's code, not the operator's: they get a minimal environment, never
 * the runner's own.
 */
import { createHash } from "node:crypto";
import { accessSync, constants as fsConstants, readFileSync, statSync, writeFileSync } from "node:fs";
import { delimiter, join } from "node:path";
import { RunnerApiError } from "../client/http";
import {
  LANGUAGE_TYPES,
  MAX_EXECUTION_ERROR_CHARS,
  MAX_EXECUTION_LEASE_BATCH,
  MAX_OUTPUT_BYTES,
  MAX_RESULT_BYTES,
  type CoderunnerClient,
  type ExecutionOutcome,
  type LeasedExecution,
} from "../client/coderunner";
import type { RunnerConfig } from "../config";
import { ChildRun, exitStatusOf, type ChildExit } from "../process/child";
import { TailBuffer } from "../process/lines";
import { clip, confinementFor, strongerStop, describeError, LeaseKeeper, reportEnd, withWorkDir } from "./common";
import { entryPath, unpackBundle } from "./unpack";
import type { StopReason, Work, WorkContext, WorkResult, WorkSource } from "./types";

const MIB = 1024 * 1024;
/** Output lines are not logged anywhere (executions have no log route); this only bounds splitting. */
const LINE_CHARS = 16 * 1024;

/**
 * Runs after the entry's top level (loaded with `-r`): if the entry is CommonJS and exports a
 * function, calls it with the payload from stdin and writes what it returns to the result file.
 * `beforeExit` fires once the event loop is empty, i.e. after the script did its own work, and
 * not at all if the script called `process.exit()` itself.
 */
const NODE_BOOTSTRAP = `"use strict";
const fs = require("fs");
let entry = null;
try { entry = fs.realpathSync(process.argv[1]); } catch (e) { entry = null; }
let called = false;
process.once("beforeExit", () => {
  if (called || entry === null) return;
  called = true;
  const mod = require.cache[entry];
  const exp = mod ? mod.exports : null;
  const fn = typeof exp === "function" ? exp : exp && typeof exp.handler === "function" ? exp.handler : exp && typeof exp.default === "function" ? exp.default : null;
  if (fn === null) return;
  const chunks = [];
  process.stdin.on("data", (c) => chunks.push(c));
  process.stdin.on("end", async () => {
    const text = Buffer.concat(chunks).toString("utf8").trim();
    let payload = null;
    try { payload = text === "" ? null : JSON.parse(text); } catch (e) { payload = text; }
    try {
      const result = await fn(payload);
      if (process.env.CODERUNNER_RESULT_FILE) fs.writeFileSync(process.env.CODERUNNER_RESULT_FILE, JSON.stringify(result === undefined ? null : result));
    } catch (error) {
      console.error(error && error.stack ? error.stack : String(error));
      process.exitCode = 1;
    }
  });
});
`;

export class CodeSource implements WorkSource {
  readonly face = "code";
  readonly maxBatch = MAX_EXECUTION_LEASE_BATCH;

  constructor(
    private readonly ctx: WorkContext,
    private readonly client: CoderunnerClient,
    private readonly config: RunnerConfig["code"],
  ) {}

  async lease(limit: number, waitMs = 0, signal?: AbortSignal): Promise<Work[]> {
    const executions = await this.client.lease(Math.min(limit, this.maxBatch), waitMs, signal);
    return executions.map((execution) => new CodeWork(this.ctx, this.client, execution, this.config));
  }
}

export class CodeWork implements Work {
  readonly face = "code";
  private stopReason: StopReason | null = null;
  private child: ChildRun | null = null;

  constructor(
    private readonly ctx: WorkContext,
    private readonly client: CoderunnerClient,
    private readonly execution: LeasedExecution,
    private readonly config: RunnerConfig["code"],
  ) {}

  get id(): string {
    return this.execution.executionId;
  }

  stop(reason: StopReason): void {
    this.stopReason = strongerStop(this.stopReason, reason);
    this.child?.stop();
  }

  async run(): Promise<WorkResult> {
    const keeper = new LeaseKeeper(
      () => this.heartbeat(),
      this.execution.leaseExpiresAt,
      (error) =>
        this.ctx.log("warn", "heartbeat-failed", { face: this.face, jobId: this.id, error: describeError(error) }),
    );
    keeper.start();
    try {
      const settled = await withWorkDir("exec", (dir) => this.runIn(dir));
      keeper.stop();
      return await settled();
    } catch (error) {
      keeper.stop();
      if (error instanceof RunnerApiError && error.leaseLost) return { outcome: "LOST", detail: error.reason };
      this.ctx.log("error", "job-crashed", { face: this.face, jobId: this.id, error: describeError(error) });
      return await this.fail(`The runner could not run the execution: ${describeError(error)}`);
    }
  }

  /** Runs the execution; answers how to report it (reported after the work dir is gone). */
  private async runIn(dir: string): Promise<() => Promise<WorkResult>> {
    const e = this.execution;
    const bytes = await this.client.bundle(e.bundle.path, e.leaseToken);
    const sha256 = createHash("sha256").update(bytes).digest("hex");
    if (sha256 !== e.bundle.sha256 || bytes.length !== e.bundle.size)
      return () => this.fail("The downloaded bundle does not match its checksum.");
    const appDir = join(dir, "app");
    const unpacked = unpackBundle(bytes, e.languageType, appDir);
    if (!unpacked.ok) return () => this.fail(clip(unpacked.reason, MAX_EXECUTION_ERROR_CHARS));
    const entry = entryPath(appDir, e.entryPoint, unpacked.files);
    if (entry === null) return () => this.fail(`The bundle has no ${e.entryPoint}, the deployment's entry point.`);

    const command = this.commandFor(dir, entry);
    if ("missing" in command) return () => this.fail(command.missing);
    const resultFile = join(dir, "result.json");
    const output = new TailBuffer(MAX_OUTPUT_BYTES);
    let exit: ChildExit | null = null;
    if (this.stopReason === null) {
      this.child = new ChildRun({
        confine: confinementFor(this.ctx, this.id, {
          workDir: dir,
          memoryMiB: e.limits.memoryMiB,
          cpuMillis: e.limits.cpuMillis,
        }),
        command: command.argv,
        cwd: appDir,
        env: {
          PATH: process.env.PATH ?? "/usr/bin:/bin",
          HOME: dir,
          TMPDIR: dir,
          LANG: "C.UTF-8",
          CODERUNNER_EXECUTION_ID: e.executionId,
          CODERUNNER_DEPLOYMENT_ID: e.deploymentId,
          CODERUNNER_TRIGGER: e.trigger,
          CODERUNNER_RESULT_FILE: resultFile,
          CODERUNNER_MEMORY_MIB: String(e.limits.memoryMiB),
          CODERUNNER_CPU_MILLIS: String(e.limits.cpuMillis),
        },
        stdin: JSON.stringify(e.payload ?? null),
        timeoutMs: this.config.timeoutMs,
        controlChannel: false,
        maxLineChars: LINE_CHARS,
        onChunk: (chunk) => output.write(chunk),
      });
      if (this.stopReason !== null) this.child.stop();
      exit = await this.child.exited;
    }
    const stopReason = this.stopReason;
    if (stopReason === "lease-lost")
      return () => Promise.resolve({ outcome: "LOST", detail: "lease lost while running" });
    if (exit === null || (exit.stopped && !exit.timedOut)) {
      const why = stopReason === "cancel" ? "Cancelled." : "The runner shut down before the execution finished.";
      return () => this.fail(why);
    }
    if (exit.spawnError !== null)
      return () => this.fail(`Could not start ${JSON.stringify(command.argv[0])}: ${exit.spawnError ?? ""}`);
    let text = output.text();
    if (exit.timedOut) text = tailNote(text, `\n[runner] stopped: the ${this.config.timeoutMs} ms time limit passed.`);
    if (exit.memoryLimitHit)
      text = tailNote(text, `\n[runner] stopped: the ${e.limits.memory} memory limit was reached.`);
    const result = readResult(resultFile);
    if (result.note !== null) text = tailNote(text, `\n[runner] ${result.note}`);
    const outcome: ExecutionOutcome = {
      exitCode: exitStatusOf(exit),
      output: text,
      ...(result.value === undefined ? {} : { result: result.value }),
    };
    return () =>
      reportEnd(this.ctx, "code", this.id, e.leaseToken, outcome.exitCode === 0 ? "SUCCEEDED" : "FAILED", () =>
        this.client.complete(this.id, e.leaseToken, outcome),
      );
  }

  private commandFor(dir: string, entry: string): { argv: string[] } | { missing: string } {
    const memoryMiB = this.execution.limits.memoryMiB;
    switch (this.execution.languageType) {
      case LANGUAGE_TYPES.NodeJS: {
        const bootstrap = join(dir, "bootstrap.cjs");
        writeFileSync(bootstrap, NODE_BOOTSTRAP, { mode: 0o644 });
        return { argv: [this.config.node, `--max-old-space-size=${memoryMiB}`, "-r", bootstrap, entry] };
      }
      case LANGUAGE_TYPES.Python: {
        if (onPath(this.config.python) === null)
          return { missing: `Python executions need ${this.config.python} on this runner's PATH.` };
        // An address-space cap is what the OS offers without cgroups; V8 reserves too much for it to suit node.
        const prlimit = onPath("prlimit");
        const python = [this.config.python, entry];
        return { argv: prlimit === null ? python : [prlimit, `--as=${memoryMiB * MIB}`, "--", ...python] };
      }
      case LANGUAGE_TYPES.DotNetScript: {
        const dotnet = onPath(this.config.dotnetScript);
        if (dotnet === null)
          return {
            missing: `DotNetScript executions need ${this.config.dotnetScript} on the runner's PATH, and runner ${this.ctx.runnerId} does not have it.`,
          };
        return { argv: [dotnet, entry] };
      }
      default:
        return { missing: `This runner cannot run language type ${String(this.execution.languageType)}.` };
    }
  }

  private async heartbeat(): Promise<number> {
    try {
      const answer = await this.client.heartbeat(this.id, this.execution.leaseToken);
      if (answer.cancelRequested) this.stop("cancel");
      return answer.leaseExpiresAt;
    } catch (error) {
      if (error instanceof RunnerApiError && error.leaseLost) this.stop("lease-lost");
      throw error;
    }
  }

  private fail(reason: string): Promise<WorkResult> {
    return reportEnd(
      this.ctx,
      "code",
      this.id,
      this.execution.leaseToken,
      "FAILED",
      () => this.client.fail(this.id, this.execution.leaseToken, clip(reason, MAX_EXECUTION_ERROR_CHARS)),
      reason,
    );
  }
}

/** The structured result, if the code wrote one: JSON, at most MAX_RESULT_BYTES. */
function readResult(path: string): { value: unknown; note: string | null } {
  let size: number;
  try {
    size = statSync(path).size;
  } catch {
    return { value: undefined, note: null };
  }
  if (size > MAX_RESULT_BYTES)
    return { value: undefined, note: `the result file is larger than ${MAX_RESULT_BYTES} bytes and was not sent.` };
  try {
    return { value: JSON.parse(readFileSync(path, "utf8")) as unknown, note: null };
  } catch {
    return { value: undefined, note: "the result file is not valid JSON and was not sent." };
  }
}

/** Appends a note to the output, keeping the total within the output cap. */
function tailNote(output: string, note: string): string {
  const room = MAX_OUTPUT_BYTES - Buffer.byteLength(note, "utf8");
  let kept = output;
  while (Buffer.byteLength(kept, "utf8") > room) kept = kept.slice(Math.max(1, kept.length - room));
  return kept + note;
}

/** The program's path if it can be run: a path as given, or found on PATH. */
export function onPath(program: string): string | null {
  const candidates = program.includes("/")
    ? [program]
    : (process.env.PATH ?? "")
        .split(delimiter)
        .filter((d) => d.length > 0)
        .map((d) => join(d, program));
  for (const candidate of candidates) {
    try {
      accessSync(candidate, fsConstants.X_OK);
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return null;
}
