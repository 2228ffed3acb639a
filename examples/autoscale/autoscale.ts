/**
 * An autoscaler for local reference-runner processes, driven by `GET /api/metrics` (issue 20):
 * every tick it reads the queue's depth and wait-time p90 and starts or stops runners so that
 * jobs do not wait longer than a target. The same loop is what a cloud scaling group's policy or
 * a Kubernetes controller does with the same numbers (see README.md beside this file).
 *
 *   RUNNER_TOKEN=<key with runners:read and runners:write> \
 *     npx tsx examples/autoscale/autoscale.ts --api http://127.0.0.1:5000 --max 4 --target-p90 30
 *
 * It imports nothing from the server: only the wire contract's schema of the answer.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { metricsAnswerSchema, type MetricsAnswer } from "../../contract/src/metrics";

export interface Policy {
  /** Fewest runners kept (0: none while nothing is queued). */
  min: number;
  /** Most runners started. */
  max: number;
  /** Jobs each runner takes at once (its `--concurrency`). */
  concurrency: number;
  /** Wait-time p90 (seconds) above which one more runner is added while jobs are pending. */
  targetP90: number;
  /** Ticks the lower number must hold before runners are stopped (no flapping). */
  scaleDownTicks: number;
}

export interface QueueState {
  pending: number;
  leased: number;
  /** p90 of queued → leased over the last 15 minutes; null without samples. */
  waitP90: number | null;
}

/** What the queues in `names` add up to (all of a face's queues when `names` is the face). */
export function queueState(metrics: MetricsAnswer, names: readonly string[]): QueueState {
  const picked = metrics.queues.filter((q) => names.includes(q.queue) || names.includes(q.face));
  const p90s = picked.map((q) => q.waitSeconds.p90).filter((p): p is number => p !== null);
  return {
    pending: picked.reduce((n, q) => n + q.jobs.pending, 0),
    leased: picked.reduce((n, q) => n + q.jobs.leased, 0),
    waitP90: p90s.length === 0 ? null : Math.max(...p90s),
  };
}

/**
 * Runners wanted: enough slots for every job queued or running; one more than now while jobs
 * wait and the p90 is over target (the queue is not draining fast enough); within [min, max].
 */
export function desiredRunners(state: QueueState, current: number, policy: Policy): number {
  let need = Math.ceil((state.pending + state.leased) / policy.concurrency);
  if (state.pending > 0 && state.waitP90 !== null && state.waitP90 > policy.targetP90)
    need = Math.max(need, current + 1);
  return Math.min(policy.max, Math.max(policy.min, need));
}

/** Starts and stops runners; the example's launches `runnerplane-runner` processes. */
export interface Launcher {
  start(id: string): RunnerHandle;
}

export interface RunnerHandle {
  id: string;
  /** Asks it to drain (SIGTERM: running jobs may finish) and resolves once it has exited. */
  stop(): Promise<void>;
}

export interface AutoscalerOptions {
  api: string;
  /** Key with `runners:read` (the metrics). */
  token: string;
  /** Queue labels or faces to watch, e.g. `jobs` or `jobs[gpu]`. */
  queues: string[];
  policy: Policy;
  launcher: Launcher;
  /** Called after each tick with what it saw and did. */
  onTick?: (tick: { state: QueueState; runners: number; desired: number }) => void;
}

export class Autoscaler {
  private readonly runners: RunnerHandle[] = [];
  private lowTicks = 0;
  private serial = 0;

  constructor(private readonly options: AutoscalerOptions) {}

  get size(): number {
    return this.runners.length;
  }

  /** One look at the metrics and one adjustment. */
  async tick(): Promise<void> {
    const response = await fetch(`${this.options.api}/api/metrics`, {
      headers: { authorization: `Bearer ${this.options.token}`, accept: "application/json" },
    });
    if (!response.ok) throw new Error(`GET /api/metrics answered ${response.status}`);
    const state = queueState(metricsAnswerSchema.parse(await response.json()), this.options.queues);
    const { policy } = this.options;
    const desired = desiredRunners(state, this.runners.length, policy);
    if (desired > this.runners.length) {
      this.lowTicks = 0;
      while (this.runners.length < desired) {
        this.serial += 1;
        this.runners.push(this.options.launcher.start(`autoscale-${this.serial}`));
      }
    } else if (desired < this.runners.length) {
      this.lowTicks += 1;
      if (this.lowTicks >= policy.scaleDownTicks) {
        this.lowTicks = 0;
        // Newest first: the oldest runners are the warmest.
        const stopping = this.runners.splice(desired);
        await Promise.all(stopping.map((r) => r.stop()));
      }
    } else {
      this.lowTicks = 0;
    }
    this.options.onTick?.({ state, runners: this.runners.length, desired });
  }

  /** Stops every runner it started. */
  async stopAll(): Promise<void> {
    const stopping = this.runners.splice(0);
    await Promise.all(stopping.map((r) => r.stop()));
  }
}

/**
 * Launches the reference runner from this checkout (`node --import tsx runner/src/cli.ts`), or an
 * installed `runnerplane-runner` when `command` says so, with a config holding the job commands.
 */
export function processLauncher(options: {
  api: string;
  token: string;
  config: Record<string, unknown>;
  command?: string[];
  dir?: string;
  onOutput?: (id: string, line: string) => void;
}): Launcher {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), "rp-autoscale-"));
  const root = resolve(__dirname, "..", "..");
  const command = options.command ?? [process.execPath, "--import", "tsx", join(root, "runner/src/cli.ts")];
  return {
    start(id) {
      const configPath = join(dir, `${id}.json`);
      writeFileSync(configPath, JSON.stringify(options.config, null, 2), { mode: 0o600 });
      const [bin = "runnerplane-runner", ...args] = command;
      const env: NodeJS.ProcessEnv = { ...process.env, RUNNER_TOKEN: options.token };
      const child: ChildProcess = spawn(
        bin,
        [...args, "--api", options.api, "--id", id, "--config", configPath, "--state-dir", join(dir, id), "--json"],
        { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] },
      );
      for (const stream of [child.stdout, child.stderr])
        stream?.on("data", (chunk: Buffer) => {
          for (const line of chunk.toString("utf8").split("\n")) if (line !== "") options.onOutput?.(id, line);
        });
      const exited = new Promise<void>((done) => child.once("exit", () => done()));
      return {
        id,
        stop: async () => {
          if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
          await exited;
        },
      };
    },
  };
}

function flag(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? (process.argv[at + 1] ?? fallback) : fallback;
}

async function main(): Promise<void> {
  const api = flag("api", "http://127.0.0.1:5000");
  const token = process.env.RUNNER_TOKEN ?? "";
  if (token === "") throw new Error("RUNNER_TOKEN must hold a key with runners:read and runners:write");
  const concurrency = Number(flag("concurrency", "1"));
  const policy: Policy = {
    min: Number(flag("min", "0")),
    max: Number(flag("max", "4")),
    concurrency,
    targetP90: Number(flag("target-p90", "30")),
    scaleDownTicks: Number(flag("scale-down-ticks", "3")),
  };
  const config = {
    name: "autoscaled",
    concurrency,
    pollMs: 500,
    jobs: { hello: { command: ["node", resolve(__dirname, "..", "jobs", "hello.js")], outputs: ["out/*.txt"] } },
  };
  const scaler = new Autoscaler({
    api,
    token,
    queues: flag("queues", "jobs").split(","),
    policy,
    launcher: processLauncher({ api, token, config }),
    onTick: (t) => console.log(JSON.stringify({ at: new Date().toISOString(), ...t })),
  });
  let stopping = false;
  const stop = () => {
    stopping = true;
  };
  process.once("SIGINT", stop).once("SIGTERM", stop);
  const intervalMs = Number(flag("interval-ms", "5000"));
  while (!stopping) {
    await scaler.tick().catch((error: unknown) => console.error(String(error)));
    await new Promise((done) => setTimeout(done, intervalMs));
  }
  await scaler.stopAll();
}

if (require.main === module) void main();
