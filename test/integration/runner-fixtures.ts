/**
 * The reference runner (runner/) as the integration tests drive it: real processes started with
 * `node --import tsx runner/src/cli.ts` (one process, so SIGKILL and SIGTERM reach the runner
 * itself), their JSON-lines output collected, their ledgers read back.
 */
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readLedger, LEDGER_FILE, type LedgerEntry } from "../../runner/src/ledger";
import { API_BASE, call } from "../harness/stack";
export { processAlive } from "../harness/processes";
import { ROOT } from "../../scripts/stack";

export interface RunnerEvent {
  ts: string;
  level: string;
  event: string;
  [field: string]: unknown;
}

export interface RunnerProcess {
  id: string;
  child: ChildProcess;
  stateDir: string;
  events: RunnerEvent[];
  /** Lines that were not JSON (there should be none). */
  stray: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  ledger(): LedgerEntry[];
  waitFor(predicate: (e: RunnerEvent) => boolean, timeoutMs: number, what: string): Promise<RunnerEvent>;
}

export interface RunnerOptions {
  id: string;
  dir: string;
  config: Record<string, unknown>;
  token?: string;
  codeToken?: string;
  workspaceToken?: string;
  args?: string[];
  /** The whole command line after runner/src/cli.ts, instead of `--api … --config <id>.json …` (the config is then the caller's). */
  argv?: string[];
}

/** A fresh directory for one test's config, ledgers and job traces. */
export function testDir(): string {
  return mkdtempSync(join(tmpdir(), "rp-runner-it-"));
}

export function startRunner(options: RunnerOptions): RunnerProcess {
  const configPath = join(options.dir, `${options.id}.json`);
  if (options.argv === undefined) writeFileSync(configPath, JSON.stringify(options.config, null, 2));
  const stateDir = join(options.dir, `state-${options.id}`);
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of ["RUNNER_TOKEN", "RUNNER_CODE_TOKEN", "RUNNER_WORKSPACE_TOKEN", "RUNNER_API"]) delete env[name];
  // Credentials travel in the environment, as an operator would keep them out of `ps`.
  if (options.token !== undefined) env.RUNNER_TOKEN = options.token;
  if (options.codeToken !== undefined) env.RUNNER_CODE_TOKEN = options.codeToken;
  if (options.workspaceToken !== undefined) env.RUNNER_WORKSPACE_TOKEN = options.workspaceToken;
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      "runner/src/cli.ts",
      ...(options.argv ?? [
        "--api",
        API_BASE,
        "--id",
        options.id,
        "--config",
        configPath,
        "--state-dir",
        stateDir,
        "--json",
        ...(options.args ?? []),
      ]),
    ],
    { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] },
  );
  const events: RunnerEvent[] = [];
  const stray: string[] = [];
  const waiters: { predicate: (e: RunnerEvent) => boolean; resolve: (e: RunnerEvent) => void }[] = [];
  let partial = "";
  child.stdout?.setEncoding("utf8");
  child.stdout?.on("data", (chunk: string) => {
    const parts = (partial + chunk).split("\n");
    partial = parts.pop() ?? "";
    for (const line of parts) {
      if (line.trim() === "") continue;
      let event: RunnerEvent;
      try {
        event = JSON.parse(line) as RunnerEvent;
      } catch {
        stray.push(line);
        continue;
      }
      events.push(event);
      for (const waiter of [...waiters]) {
        if (waiter.predicate(event)) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(event);
        }
      }
    }
  });
  child.stderr?.setEncoding("utf8");
  child.stderr?.on("data", (chunk: string) => stray.push(chunk));
  // `close`, not `exit`: by then every line the runner wrote has been read.
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("close", (code, signal) => resolve({ code, signal })),
  );
  return {
    id: options.id,
    child,
    stateDir,
    events,
    stray,
    exited,
    ledger: () => readLedger(join(stateDir, LEDGER_FILE)),
    waitFor(predicate, timeoutMs, what) {
      const seen = events.find(predicate);
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(
              new Error(
                `runner ${options.id}: timed out waiting for ${what}; last events: ${JSON.stringify(events.slice(-8))} ${stray.join("").slice(-2000)}`,
              ),
            ),
          timeoutMs,
        );
        waiters.push({
          predicate,
          resolve: (e) => {
            clearTimeout(timer);
            resolve(e);
          },
        });
      });
    },
  };
}

/** SIGKILLs a runner that is still running (test clean-up). */
export function killIfRunning(runner: RunnerProcess | undefined): void {
  if (runner !== undefined && runner.child.exitCode === null && runner.child.signalCode === null)
    runner.child.kill("SIGKILL");
}

/**
 * After each runner test: a failed test prints the runner's last events and stray output, then
 * the runner is killed and its directory removed.
 */
export function endRunnerTest(ctx: Mocha.Context, runner: RunnerProcess | undefined, dir: string): void {
  if (ctx.currentTest?.state === "failed" && runner !== undefined) {
    process.stderr.write(
      `runner ${runner.id}: last events:\n${runner.events
        .slice(-30)
        .map((e) => JSON.stringify(e))
        .join("\n")}\n${runner.stray.join("").slice(-2000)}\n`,
    );
  }
  killIfRunning(runner);
  if (dir !== "") rmSync(dir, { recursive: true, force: true });
}

export async function exitOf(
  runner: RunnerProcess,
  timeoutMs: number,
): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new Error(
            `runner ${runner.id} did not exit within ${timeoutMs} ms; last events: ${JSON.stringify(runner.events.slice(-8))}`,
          ),
        ),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([runner.exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A node one-liner for a jobs-API job type: reads its params from stdin, writes a line to
 * stdout and to stderr, optionally sleeps `params.ms`, writes `out/result.txt`, records that it
 * ran (job id, pid, PID namespace, runner id) in the trace file, and prints its result object last.
 */
export function jobScript(traceFile: string): string[] {
  const script = [
    "const fs=require('fs');",
    "const p=JSON.parse(fs.readFileSync(0,'utf8'));",
    `fs.appendFileSync(${JSON.stringify(traceFile)},process.env.RUNNER_JOB_ID+' start '+process.pid+' '+process.env.RUNNER_ID+' '+fs.readlinkSync('/proc/self/ns/pid')+'\\n');`,
    "console.log('hello '+p.n);console.error('note '+p.n);",
    "setTimeout(()=>{",
    "fs.mkdirSync('out',{recursive:true});fs.writeFileSync('out/result.txt',String(p.n*2));",
    `fs.appendFileSync(${JSON.stringify(traceFile)},process.env.RUNNER_JOB_ID+' done '+process.pid+'\\n');`,
    "console.log(JSON.stringify({n:p.n,doubled:p.n*2}));",
    "},p.ms||0);",
  ].join("");
  return [process.execPath, "-e", script];
}

/**
 * Lines of a trace file as `[jobId, event, pid, runner id (starts only)]`. A job in the runner's
 * sandbox has its own PID namespace: its pid is turned into this machine's while it runs (and
 * remembered), so tests can see it go.
 */
export function readTrace(traceFile: string): [string, string, number, string][] {
  let text = "";
  try {
    text = readFileSync(traceFile, "utf8");
  } catch {
    return [];
  }
  return text
    .split("\n")
    .filter((l) => l.length > 0)
    .map((l) => {
      const [id = "", event = "", pid = "0", runnerId = "", namespace = ""] = l.split(" ");
      return [id, event, event === "start" ? hostPid(Number(pid), namespace) : Number(pid), runnerId];
    });
}

/** Jobs-API job ids out of create responses. */
export function idsOf(responses: { status: number; body: { id?: string } }[]): string[] {
  return responses.map((r) => {
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.ok(typeof r.body.id === "string");
    return r.body.id;
  });
}

/** Every route a runner calls, as `[method, path]`. */
const RUNNER_ROUTES: [string, string][] = [
  ["POST", "/jobs/runner/lease"],
  ["POST", "/jobs/warm-up/runner/heartbeat"],
  ["POST", "/jobs/warm-up/runner/logs"],
  ["POST", "/jobs/warm-up/runner/artifacts"],
  ["POST", "/jobs/warm-up/runner/complete"],
  ["POST", "/jobs/warm-up/runner/fail"],
  ["POST", "/jobs/warm-up/runner/release"],
  ["POST", "/api/runners/register"],
  ["POST", "/api/runners/warm-up/heartbeat"],
  ["DELETE", "/api/runners/warm-up"],
  ["GET", "/api/runners/tasks/pending"],
  ["POST", "/api/runners/tasks/warm-up/status"],
  ["POST", "/api/runners/tasks/warm-up/logs"],
  ["POST", "/api/runners/tasks/warm-up/result"],
  ["POST", "/api/coderunner/executions/lease"],
  ["POST", "/api/coderunner/executions/warm-up/heartbeat"],
  ["GET", "/api/coderunner/executions/warm-up/bundle"],
  ["POST", "/api/coderunner/executions/warm-up/complete"],
  ["POST", "/api/coderunner/executions/warm-up/fail"],
  ["POST", "/leaseWorkspaceJob"],
  ["POST", "/heartbeatWorkspaceJob"],
  ["POST", "/getWorkspaceRunnerContext"],
  ["POST", "/completeWorkspaceJob"],
  ["POST", "/failWorkspaceJob"],
];

/**
 * The functions emulator boots a worker on a function's first call, which under load takes
 * seconds, longer than the tests' 4 s leases. Touching every runner route first (without
 * credentials: 401, nothing changes) keeps a runner test about runners rather than cold starts.
 */
export async function warmRunnerRoutes(parallel = 6): Promise<void> {
  for (let i = 0; i < RUNNER_ROUTES.length; i += parallel) {
    await Promise.all(
      RUNNER_ROUTES.slice(i, i + parallel).map(async ([method, path]) => {
        const response = await call(method, path, method === "GET" || method === "DELETE" ? {} : { body: {} });
        assert.equal(response.status, 401, `${method} ${path}: ${response.status}`);
      }),
    );
  }
}

const hostPids = new Map<string, number>();

/** The pid this machine knows a process by, from its pid in its own PID namespace. */
function hostPid(pid: number, namespace: string): number {
  if (namespace === "" || namespace === readlinkSync("/proc/self/ns/pid")) return pid;
  // The live process first: a namespace's id is reused once the namespace is gone, so an entry
  // remembered from an earlier job may name another, dead process. The remembered pid answers
  // only when nothing in the namespace has that pid any more (the job has ended).
  const key = `${namespace}/${pid}`;
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readlinkSync(`/proc/${name}/ns/pid`) !== namespace) continue;
      const nspid = /^NSpid:\s+(.*)$/m
        .exec(readFileSync(`/proc/${name}/status`, "utf8"))?.[1]
        ?.trim()
        .split(/\s+/);
      if (nspid !== undefined && Number(nspid[nspid.length - 1]) === pid) {
        hostPids.set(key, Number(name));
        return Number(name);
      }
    } catch {
      // Gone meanwhile.
    }
  }
  return hostPids.get(key) ?? 0;
}
