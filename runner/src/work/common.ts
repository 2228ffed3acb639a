/** Pieces every face's work uses: lease keeping, work directories, child environments, ends. */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RunnerApiError } from "../client/http";
import type { LedgerFace, LedgerOutcome } from "../ledger";
import type { ChildSpec } from "../process/child";
import type { Confinement } from "../process/sandbox";
import type { StopReason, WorkContext, WorkResult } from "./types";

/** Heartbeat no more often than this, however short the lease. */
export const MIN_LEASE_HEARTBEAT_MS = 500;
/** …and at least this often, however long. */
export const MAX_LEASE_HEARTBEAT_MS = 60_000;
/** A lease is renewed when a third of it is left twice over: one lost heartbeat does not lose it. */
const HEARTBEATS_PER_LEASE = 3;

/**
 * Keeps one lease alive: heartbeats at a third of the time the last answer left on it, so the
 * interval follows whatever lease length the server uses. A failed heartbeat is tried again at
 * the shortest interval; the caller's `beat` deals with a lost lease.
 */
export class LeaseKeeper {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly beat: () => Promise<number>,
    private expiresAtMs: number,
    private readonly onError: (error: unknown) => void,
  ) {}

  start(): void {
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
  }

  private schedule(afterMs = heartbeatDelay(this.expiresAtMs, Date.now())): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.tick(), afterMs);
  }

  private async tick(): Promise<void> {
    try {
      this.expiresAtMs = await this.beat();
      this.schedule();
    } catch (error) {
      if (error instanceof RunnerApiError && error.leaseLost) return;
      this.onError(error);
      this.schedule(MIN_LEASE_HEARTBEAT_MS);
    }
  }
}

export function heartbeatDelay(expiresAtMs: number, nowMs: number): number {
  const left = expiresAtMs - nowMs;
  return Math.min(MAX_LEASE_HEARTBEAT_MS, Math.max(MIN_LEASE_HEARTBEAT_MS, Math.floor(left / HEARTBEATS_PER_LEASE)));
}

/** A fresh private directory for one job, removed when the job is done. */
export async function withWorkDir<T>(prefix: string, use: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), `rp-${prefix}-`));
  try {
    return await use(dir);
  } finally {
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
  }
}

/** Environment names the runner's own credentials travel in: never passed to a job. */
const SECRET_ENV = ["RUNNER_TOKEN", "RUNNER_CODE_TOKEN", "RUNNER_WORKSPACE_TOKEN"];

let confinements = 0;

/**
 * How a job's processes are confined: the operator's own commands (jobs, review tasks, workspace
 * turns) keep a writable file system but get their own PID namespace, cannot read the runner's
 * config or state, and are limited in processes (and memory, if configured); Coderunner
 * executions (tenant code) also get a read-only root with only their work directory writable,
 * the deployment's memory and CPU, and no network when the config says so.
 */
export function confinementFor(
  ctx: WorkContext,
  jobId: string,
  execution: { workDir: string; memoryMiB: number; cpuMillis: number } | null,
): ChildSpec["confine"] {
  const iso = ctx.isolation;
  const name = `${execution === null ? "job" : "exec"}-${jobId.replace(/[^A-Za-z0-9_-]/g, "_").slice(0, 64)}-${process.pid}-${++confinements}`;
  const confinement: Confinement =
    execution === null
      ? {
          name,
          memoryMiB: iso.jobMemoryMiB,
          cpuMillis: null,
          maxProcesses: iso.maxProcesses,
          network: true,
          readOnlyRoot: false,
          writable: [],
          hidden: iso.hidden,
        }
      : {
          name,
          memoryMiB: execution.memoryMiB,
          cpuMillis: execution.cpuMillis,
          maxProcesses: iso.maxProcesses,
          network: iso.network,
          readOnlyRoot: true,
          writable: [execution.workDir],
          hidden: iso.hidden,
        };
  return { sandbox: iso.sandbox, confinement };
}

/** The runner's environment for a trusted command (the operator's own), minus its credentials. */
export function commandEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of SECRET_ENV) delete env[name];
  return { ...env, ...extra };
}

/**
 * Reports a job's end once: skipped if the ledger says this lease was already ended by us,
 * recorded before and after the call. A lost lease means someone else has the job now.
 */
export async function reportEnd(
  ctx: WorkContext,
  face: LedgerFace,
  jobId: string,
  leaseToken: string,
  outcome: LedgerOutcome,
  call: () => Promise<unknown>,
  detail?: string,
): Promise<WorkResult> {
  const workOutcome = outcome;
  if (ctx.ledger.has(face, jobId, leaseToken)) {
    ctx.log("warn", "already-finished", { face, jobId, outcome });
    return { outcome: workOutcome, detail: "already reported" };
  }
  ctx.ledger.begin(face, jobId, leaseToken, outcome);
  try {
    const answer = await call();
    const duplicate =
      typeof answer === "object" && answer !== null && (answer as { duplicate?: unknown }).duplicate === true;
    ctx.ledger.end(face, jobId, leaseToken, outcome, duplicate);
    return { outcome: workOutcome, detail };
  } catch (error) {
    if (error instanceof RunnerApiError && error.leaseLost) {
      ctx.log("warn", "lease-lost", { face, jobId, while: outcome.toLowerCase(), reason: error.reason });
      return { outcome: "LOST", detail: error.reason };
    }
    ctx.log("error", "report-failed", { face, jobId, outcome, error: describeError(error) });
    return { outcome: "LOST", detail: describeError(error) };
  }
}

export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Cuts a reason to the face's cap, keeping its end (where the interesting part usually is). */
export function clip(text: string, max: number): string {
  const trimmed = text.trim();
  if (trimmed.length === 0) return "(no detail)";
  return trimmed.length <= max ? trimmed : `…${trimmed.slice(trimmed.length - max + 1)}`;
}

/** Which reason wins when several ask to stop one job: a lost lease, then cancel, pause, shutdown. */
const STOP_PRIORITY: Record<StopReason, number> = { "lease-lost": 3, cancel: 2, pause: 1, shutdown: 0 };

export function strongerStop(current: StopReason | null, incoming: StopReason): StopReason {
  return current === null || STOP_PRIORITY[incoming] > STOP_PRIORITY[current] ? incoming : current;
}

/** Longest last stdout line read as a JSON object: a job's result `output`, an rpc command's answer. */
const MAX_RESULT_LINE_BYTES = 64 * 1024;

/** The line as a JSON object if it is one (a command's way to hand back structured output). */
export function jsonObjectLine(line: string): Record<string, unknown> | null {
  const trimmed = line.trim();
  if (!trimmed.startsWith("{") || Buffer.byteLength(trimmed, "utf8") > MAX_RESULT_LINE_BYTES) return null;
  try {
    const value = JSON.parse(trimmed) as unknown;
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}
