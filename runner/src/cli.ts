/**
 * `npm run runner -- --api http://127.0.0.1:5000 --token <key> [...]`: the reference runner.
 * SIGTERM or SIGINT drains it (a second one cuts the grace period short); it exits 0 once it has
 * deregistered. Exit 2: bad configuration; exit 1: it could not start (refused credential).
 */
import { CoderunnerClient } from "./client/coderunner";
import { FleetClient } from "./client/fleet";
import { HttpClient } from "./client/http";
import { JobsClient } from "./client/jobs";
import { WorkspaceClient } from "./client/workspace";
import { loadConfig, USAGE, type RunnerConfig } from "./config";
import { Ledger } from "./ledger";
import { Reporter } from "./report";
import { Runner } from "./runner";
import { CodeSource } from "./work/codeWork";
import { describeError } from "./work/common";
import { JobsSource } from "./work/jobsWork";
import { ReviewSource } from "./work/reviewWork";
import type { WorkContext, WorkSource } from "./work/types";
import { WorkspaceSource } from "./work/workspaceWork";

async function main(): Promise<number> {
  let config: RunnerConfig | "help";
  try {
    config = loadConfig(process.argv.slice(2), process.env);
  } catch (error) {
    process.stderr.write(`${describeError(error)}\n\n${USAGE}\n`);
    return 2;
  }
  if (config === "help") {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const cfg = config;

  // The status line reads the runner, which needs the reporter's log: filled in below.
  const live: { runner?: Runner } = {};
  const reporter = new Reporter(
    process.stdout,
    process.stdout.isTTY === true && !cfg.json,
    () => ({
      runnerId: cfg.runnerId,
      state: live.runner?.state ?? "starting",
      running: live.runner?.runningWork ?? [],
      concurrency: cfg.concurrency,
      succeeded: live.runner?.counts.SUCCEEDED ?? 0,
      failed: live.runner?.counts.FAILED ?? 0,
      released: (live.runner?.counts.RELEASED ?? 0) + (live.runner?.counts.PAUSED ?? 0) + (live.runner?.counts.CANCELLED ?? 0),
      lost: live.runner?.counts.LOST ?? 0,
    }),
    { runnerId: cfg.runnerId },
  );
  const log = reporter.event.bind(reporter);
  const onRetry = (info: { method: string; path: string; attempt: number; delayMs: number; cause: string }) => log("debug", "retry", { ...info });
  const http = (token: string) => new HttpClient({ baseUrl: cfg.api, token, onRetry });

  const ledger = Ledger.open(cfg.stateDir);
  const ctx: WorkContext = { runnerId: cfg.runnerId, ledger, log };
  const sources: WorkSource[] = [];
  const main = cfg.token === null ? null : http(cfg.token);
  const fleet = main !== null && cfg.faces.includes("fleet") ? new FleetClient(main, cfg.runnerId) : null;
  if (main !== null && cfg.faces.includes("jobs")) sources.push(new JobsSource(ctx, new JobsClient(main, cfg.runnerId), cfg.tags, cfg.jobs));
  if (fleet !== null && cfg.review !== null) sources.push(new ReviewSource(ctx, fleet, cfg.review));
  if (cfg.codeToken !== null && cfg.faces.includes("code")) sources.push(new CodeSource(ctx, new CoderunnerClient(http(cfg.codeToken)), cfg.code));
  if (cfg.workspaceToken !== null && cfg.workspace !== null && cfg.faces.includes("workspace")) {
    sources.push(new WorkspaceSource(ctx, new WorkspaceClient(http(cfg.workspaceToken)), cfg.workspace));
  }
  if (fleet !== null && cfg.review === null) log("info", "no-review-command", { note: 'registered with the fleet; review tasks are not claimed without a "review" command in the config' });

  const runner = new Runner({ config: cfg, sources, fleet, log });
  live.runner = runner;
  reporter.start();

  // First signal: drain. Second: cut the grace period short.
  const stopping = new AbortController();
  let hurry: () => void = () => undefined;
  const hurried = new Promise<void>((resolve) => (hurry = resolve));
  let drained: Promise<void> | null = null;
  const onSignal = (signal: NodeJS.Signals) => {
    if (drained !== null) {
      log("warn", "hurry", { signal });
      hurry();
      return;
    }
    log("info", "signal", { signal });
    stopping.abort();
    drained = runner.drain(cfg.graceMs, hurried);
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);

  try {
    await runner.start(stopping.signal);
  } catch (error) {
    log("error", "start-failed", { error: describeError(error) });
    reporter.stop();
    return 1;
  }
  if (!stopping.signal.aborted) await new Promise<void>((resolve) => stopping.signal.addEventListener("abort", () => resolve(), { once: true }));
  await (drained ?? runner.drain(cfg.graceMs, hurried));
  reporter.stop();
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`runner crashed: ${describeError(error)}\n`);
    process.exit(1);
  },
);
