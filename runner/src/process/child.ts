/**
 * One child process per piece of work, in its own process group (spawned `detached`), so that
 * stopping the work stops everything it started: `kill(-pid)` reaches the group, grandchildren
 * included. Output arrives as lines (for logs) and raw chunks (for output tails).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { constants } from "node:os";
import type { Writable } from "node:stream";
import { LineSplitter } from "./lines";
import type { Confined, Confinement, Sandbox } from "./sandbox";

/** Between SIGTERM and SIGKILL when stopping a process group. */
export const KILL_GRACE_MS = 2_000;
/** How long to wait for output pipes to drain after the process exits (a grandchild may hold them). */
const PIPE_DRAIN_MS = 1_000;
/** The side channel's file descriptor in the child: controls and messages, one JSON line each. */
export const CONTROL_FD = 3;

export type OutputStream = "stdout" | "stderr";

export interface ChildSpec {
  /** argv: the program and its arguments (no shell). */
  command: readonly string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Written to stdin, which is then closed. */
  stdin: string;
  /** Kill the group after this long (0: no limit). */
  timeoutMs: number;
  /** Open a pipe on fd 3 for `send()`. */
  controlChannel: boolean;
  /** Cut longer output lines into pieces. */
  maxLineChars: number;
  onLine?: (line: string, stream: OutputStream) => void;
  onChunk?: (chunk: Buffer, stream: OutputStream) => void;
  /** Run it confined (see sandbox.ts); the sandbox applies what the machine allows. */
  confine?: { sandbox: Sandbox; confinement: Confinement };
}

export interface ChildExit {
  /** Exit status, or null when a signal ended it. */
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The time limit ended it. */
  timedOut: boolean;
  /** `stop()` ended it. */
  stopped: boolean;
  /** It could not be started at all (e.g. ENOENT). */
  spawnError: string | null;
  durationMs: number;
  /** Its cgroup's memory limit killed a process in it. */
  memoryLimitHit: boolean;
}

export class ChildRun {
  readonly exited: Promise<ChildExit>;
  private readonly child: ChildProcess;
  private readonly started = Date.now();
  private timedOut = false;
  private stopped = false;
  private killTimer: NodeJS.Timeout | undefined;
  private finished = false;
  private readonly confined: Confined | null;

  constructor(spec: ChildSpec) {
    this.confined =
      spec.confine === undefined
        ? null
        : spec.confine.sandbox.confine(spec.command, spec.cwd, spec.confine.confinement);
    const command = this.confined?.command ?? spec.command;
    this.child = spawn(command[0] ?? "", command.slice(1), {
      cwd: spec.cwd,
      env: { ...spec.env, ...this.confined?.env },
      detached: true,
      stdio: ["pipe", "pipe", "pipe", spec.controlChannel ? "pipe" : "ignore"],
    });
    this.exited = this.watch(spec);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Sends one JSON line on the control channel; lost quietly if the child closed it. */
  send(message: Record<string, unknown>): void {
    const channel = this.child.stdio[CONTROL_FD] as Writable | null | undefined;
    if (channel === null || channel === undefined || channel.destroyed || this.finished) return;
    channel.write(`${JSON.stringify(message)}\n`);
  }

  /** SIGTERM to the whole group, SIGKILL after KILL_GRACE_MS if anything is left. */
  stop(): void {
    if (this.finished) return;
    this.stopped = true;
    this.terminate();
  }

  /** Pause / resume the whole group (SIGSTOP / SIGCONT). */
  suspend(on: boolean): void {
    if (!this.finished) signalGroup(this.child.pid, on ? "SIGSTOP" : "SIGCONT");
  }

  private terminate(): void {
    signalGroup(this.child.pid, "SIGCONT");
    signalGroup(this.child.pid, "SIGTERM");
    this.killTimer ??= setTimeout(() => signalGroup(this.child.pid, "SIGKILL"), KILL_GRACE_MS);
  }

  private async watch(spec: ChildSpec): Promise<ChildExit> {
    const child = this.child;
    const splitters = {
      stdout: new LineSplitter((line) => spec.onLine?.(line, "stdout"), spec.maxLineChars),
      stderr: new LineSplitter((line) => spec.onLine?.(line, "stderr"), spec.maxLineChars),
    };
    const pipes: Promise<void>[] = [];
    for (const stream of ["stdout", "stderr"] as const) {
      const readable = child[stream];
      if (readable === null) continue;
      readable.on("data", (chunk: Buffer) => {
        spec.onChunk?.(chunk, stream);
        splitters[stream].write(chunk);
      });
      pipes.push(new Promise((resolve) => readable.once("close", () => resolve())));
    }
    const control = child.stdio[CONTROL_FD] as Writable | null | undefined;
    control?.on("error", () => undefined);
    child.stdin?.on("error", () => undefined);
    child.stdin?.end(spec.stdin);

    const timer =
      spec.timeoutMs > 0
        ? setTimeout(() => {
            this.timedOut = true;
            this.terminate();
          }, spec.timeoutMs)
        : undefined;

    const ended = await new Promise<{ code: number | null; signal: NodeJS.Signals | null; spawnError: string | null }>(
      (resolve) => {
        child.once("error", (error) => resolve({ code: null, signal: null, spawnError: error.message }));
        child.once("exit", (code, signal) => resolve({ code, signal, spawnError: null }));
      },
    );
    if (timer !== undefined) clearTimeout(timer);
    // Output written just before exit is still in the pipes; a grandchild holding them open
    // must not hold us: after a short wait the group is killed and the pipes closed.
    const drained = await Promise.race([Promise.all(pipes).then(() => true), delay(PIPE_DRAIN_MS).then(() => false)]);
    if (ended.spawnError === null) signalGroup(child.pid, "SIGKILL");
    if (!drained) {
      child.stdout?.destroy();
      child.stderr?.destroy();
    }
    control?.destroy();
    // Whatever left the process group (setsid) but not its cgroup goes now.
    const memoryLimitHit = this.confined?.memoryLimitHit() ?? false;
    await this.confined?.release();
    this.finished = true;
    if (this.killTimer !== undefined) clearTimeout(this.killTimer);
    splitters.stdout.end();
    splitters.stderr.end();
    return {
      ...ended,
      timedOut: this.timedOut,
      stopped: this.stopped,
      durationMs: Date.now() - this.started,
      memoryLimitHit,
    };
  }
}

/** Signals a whole process group; a group that is already gone is not an error. */
export function signalGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: nothing left in the group.
  }
}

/** An exit status for reporting: the code, or 128 + signal number as shells do, 124 for a timeout. */
export function exitStatusOf(exit: ChildExit): number {
  if (exit.timedOut) return TIMEOUT_EXIT_STATUS;
  if (exit.code !== null) return exit.code;
  if (exit.signal !== null) return 128 + constants.signals[exit.signal];
  return 1;
}

/** What `timeout(1)` exits with when its limit ends the command. */
export const TIMEOUT_EXIT_STATUS = 124;

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
