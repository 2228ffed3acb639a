/**
 * `runnerplane-runner <command>`: the reference runner. `register` checks credentials and writes
 * the config file; `run` (the default) serves; `verify` re-checks the stored credentials;
 * `service install` writes a systemd unit. SIGTERM or SIGINT drains `run` (a second one cuts
 * the grace period short); it exits 0 once it has deregistered. Exit 2: bad configuration;
 * exit 1: it could not start (refused credential) or a check failed.
 */
import { CoderunnerClient } from "./client/coderunner";
import { FleetClient } from "./client/fleet";
import { HttpClient } from "./client/http";
import { JobsClient } from "./client/jobs";
import { WorkspaceClient } from "./client/workspace";
import { ConfigError, loadConfig, USAGE, type RunnerConfig } from "./config";
import { Ledger } from "./ledger";
import { Sandbox } from "./process/sandbox";
import { ConnectionWatch, Reporter } from "./report";
import { Runner } from "./runner";
import { installService, register, verify } from "./setup";
import { PACKAGE_VERSION } from "./version";
import { CodeSource } from "./work/codeWork";
import { describeError } from "./work/common";
import { JobsSource } from "./work/jobsWork";
import { ReviewSource } from "./work/reviewWork";
import type { WorkContext, WorkSource } from "./work/types";
import { WorkspaceSource } from "./work/workspaceWork";

const COMMANDS = ["run", "register", "verify", "service"] as const;

async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === "--version" || first === "-v" || first === "version") {
    process.stdout.write(`runnerplane-runner ${PACKAGE_VERSION}\n`);
    return 0;
  }
  if (first === "--help" || first === "-h" || first === "help") {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const command = (COMMANDS as readonly string[]).includes(first ?? "") ? (first as (typeof COMMANDS)[number]) : "run";
  const args = command === "run" && first !== "run" ? argv : rest;
  const say = (line: string) => process.stdout.write(`${line}\n`);
  try {
    switch (command) {
      case "register":
      case "verify": {
        // Ctrl-C stops the checks (and writes nothing) instead of waiting out their retries.
        const stop = new AbortController();
        const onSignal = () => stop.abort();
        process.once("SIGINT", onSignal).once("SIGTERM", onSignal);
        return await (command === "register" ? register : verify)(args, process.env, say, stop.signal);
      }
      case "service":
        if (args[0] !== "install")
          throw new ConfigError("Usage: runnerplane-runner service install [--config <file>] [--unit-dir <dir>]");
        return installService(args.slice(1), process.env, say, process.argv[1] ?? __filename);
      case "run":
        return await run(args);
    }
  } catch (error) {
    if (
      error instanceof ConfigError ||
      (error instanceof Error && "code" in error && String(error.code).startsWith("ERR_PARSE_ARGS"))
    ) {
      process.stderr.write(`${describeError(error)}\n\n${USAGE}\n`);
      return 2;
    }
    throw error;
  }
}

async function run(argv: string[]): Promise<number> {
  let config: RunnerConfig | "help";
  try {
    config = loadConfig(argv, process.env);
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
  const live: { runner?: Runner; watch?: ConnectionWatch } = {};
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
      released:
        (live.runner?.counts.RELEASED ?? 0) + (live.runner?.counts.PAUSED ?? 0) + (live.runner?.counts.CANCELLED ?? 0),
      lost: live.runner?.counts.LOST ?? 0,
      trouble: live.watch?.current() ?? null,
    }),
    { runnerId: cfg.runnerId },
  );
  const log = reporter.event.bind(reporter);
  const watch = new ConnectionWatch((fields) => log("warn", "connection-trouble", fields));
  live.watch = watch;
  const onRetry = (info: { method: string; path: string; attempt: number; delayMs: number; cause: string }) => {
    watch.retry(info);
    log("debug", "retry", { ...info });
  };
  const http = (token: string) =>
    new HttpClient({ baseUrl: cfg.api, token, onRetry, onAttempt: (info) => watch.attempt(info) });

  const sandbox = Sandbox.detect(cfg.runnerId);
  log(sandbox.available ? "info" : "warn", "sandbox", { protections: sandbox.describe() });
  if (cfg.credentialSource === "flags or environment" && !sandbox.available) {
    log("warn", "credentials-visible", {
      note: "credentials given by flag or environment can be read from /proc by job processes of the same user without a sandbox; use `register` (config file, mode 600)",
    });
  }
  const ledger = Ledger.open(cfg.stateDir);
  const isolation = {
    sandbox,
    maxProcesses: cfg.sandbox.maxProcesses,
    network: cfg.sandbox.network,
    jobMemoryMiB: cfg.sandbox.jobMemoryMiB,
    hidden: cfg.privatePaths,
  };
  const ctx: WorkContext = { runnerId: cfg.runnerId, ledger, log, isolation };
  const sources: WorkSource[] = [];
  const main = cfg.token === null ? null : http(cfg.token);
  // The fleet advertises the offer only when this runner also leases the jobs that need it (jobs face).
  const fleet =
    main !== null && cfg.faces.includes("fleet")
      ? new FleetClient(main, cfg.runnerId, cfg.faces.includes("jobs") ? cfg.offers : undefined)
      : null;
  if (main !== null && cfg.faces.includes("jobs"))
    sources.push(
      new JobsSource(ctx, new JobsClient(main, cfg.runnerId, cfg.offers), cfg.tags, cfg.jobs, {
        llm: cfg.llm,
        plugins: cfg.plugins,
      }),
    );
  if (fleet !== null && cfg.review !== null) sources.push(new ReviewSource(ctx, fleet, cfg.review));
  if (cfg.codeToken !== null && cfg.faces.includes("code")) {
    // Tenant code runs only in a sandbox, unless the operator says otherwise.
    if (sandbox.available || cfg.allowUnsandboxed)
      sources.push(new CodeSource(ctx, new CoderunnerClient(http(cfg.codeToken)), cfg.code));
    else
      log("error", "code-refused", {
        note: "no sandbox on this machine (install bubblewrap): Coderunner executions are not taken; --allow-unsandboxed runs them anyway",
      });
  }
  if (cfg.workspaceToken !== null && cfg.workspace !== null && cfg.faces.includes("workspace")) {
    sources.push(new WorkspaceSource(ctx, new WorkspaceClient(http(cfg.workspaceToken)), cfg.workspace));
  }
  if (fleet !== null && cfg.review === null)
    log("info", "no-review-command", { note: 'review tasks are not claimed without a "review" command in the config' });
  if (sources.length === 0 && fleet === null) {
    log("error", "start-failed", { error: "nothing left to serve" });
    return 1;
  }

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
    sandbox.close();
    reporter.stop();
    return 1;
  }
  if (!stopping.signal.aborted)
    await new Promise<void>((resolve) => stopping.signal.addEventListener("abort", () => resolve(), { once: true }));
  await (drained ?? runner.drain(cfg.graceMs, hurried));
  sandbox.close();
  reporter.stop();
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`runner crashed: ${describeError(error)}\n`);
    process.exit(1);
  },
);
