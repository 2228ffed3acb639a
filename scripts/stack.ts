/**
 * The local stack: offline Firestore (or the one FIRESTORE_EMULATOR_HOST names), then the
 * firebase-tools Auth, Functions and Hosting emulators, then a driver that fires scheduled
 * functions on their schedule (the Pub/Sub emulator cannot run offline). Used by `npm start`,
 * the integration tests and the benchmarks, so all three run the same stack.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join, resolve } from "node:path";
import "./hermetic";
import { exportAuth, firestoreDataDir, hasExport, migrateOldLayout } from "./emulatorData";
import { ancestorsInGroup, isAlive, killGroup, killOrphanedWorkers } from "./processTree";
import type { WatchdogConfig } from "./watchdog";
import { startScheduler, type Scheduler } from "./scheduler";

export const ROOT = resolve(__dirname, "..");
export const PROJECT_ID = "demo-runnerplane";
export const REGION = "us-central1";
export const PORTS = { hosting: 5000, functions: 5001, auth: 9099, firestore: 8080, hub: 4400, logging: 4500 } as const;
export const API_BASE = `http://127.0.0.1:${PORTS.hosting}`;
export const FUNCTIONS_BASE = `http://127.0.0.1:${PORTS.functions}/${PROJECT_ID}/${REGION}`;
const STATE_DIR = join(ROOT, ".runnerplane");
const LOCK_FILE = join(STATE_DIR, "stack.lock");
/** What the watchdog (scripts/watchdog.ts) did, when it had to act. */
export const WATCHDOG_LOG = join(STATE_DIR, "watchdog.log");
export const DEV_KEY_DIR = join(STATE_DIR, "dev-keys");
const READY_TIMEOUT_MS = 180_000;
/**
 * The functions emulator starts a worker process per concurrent request to a busy function.
 * Bounding its parallel work makes a burst queue instead of booting dozens of processes on two
 * cores; callers still arrive concurrently and Firestore still sees concurrent claimers.
 */
const EMULATOR_PARALLEL_WORK = "12";
/**
 * How long the functions emulator waits for a worker to boot before it answers "Failed to load
 * function" (its default is 30 s). A loaded 2-core machine booting several workers at once (the
 * scheduler's first tick, a burst of first calls) can take longer; a slow boot is not a failure.
 */
const WORKER_BOOT_TIMEOUT_S = "120";
/** How often a stack with a data directory writes the Auth emulator's users to it. */
const AUTH_EXPORT_EVERY_MS = 5_000;

export interface StackOptions {
  /** Where state is imported from and exported to; null for a throwaway stack (tests). */
  dataDir: string | null;
  /** Extra environment for the functions (params such as shortened lease lengths). */
  functionEnv?: Record<string, string>;
  /** Fire scheduled functions on their schedule (off in tests, which fire them on demand). */
  scheduler?: boolean;
  /** Where the emulators' output goes. */
  log?: (line: string) => void;
  /**
   * Reload the functions when `functions/lib` changes (`npm start`: rebuild and the stack picks it
   * up). Otherwise the stack serves a copy of the built functions and Studio taken at start, so a
   * build in another terminal cannot restart every worker in the middle of a test or bench run.
   */
  watch?: boolean;
}

export interface Stack {
  apiBase: string;
  firestoreHost: string;
  /** Runs a scheduled function once now, through the functions emulator. */
  fireScheduled(name: string): Promise<void>;
  stop(): Promise<void>;
}

/** Brings the stack up and resolves when `GET /health` answers through Hosting. */
export async function startStack(options: StackOptions): Promise<Stack> {
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  acquireLock();
  // Ends the emulators if this process, or the `npm start` above it, dies without stop().
  const watchdog = startWatchdog(options.dataDir);
  const children: ChildProcess[] = [];
  let scheduler: Scheduler | undefined;
  // If this process is killed or exits without stop(), take the emulators down with it.
  const killAll = () => {
    for (const child of children) if (child.pid !== undefined) killGroup(child.pid, "SIGKILL");
  };
  // Ctrl-C or SIGTERM: a clean stop (Auth and Firestore exported), then exit. A second signal
  // while stopping ends everything at once.
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    const code = signal === "SIGINT" ? 130 : 143;
    if (stopping) {
      killAll();
      releaseLock();
      process.exit(code);
    }
    stopping = true;
    log(`\nStopping the stack (${signal})${options.dataDir === null ? "" : " and exporting data"}… (again to force)`);
    stop().then(
      () => process.exit(code),
      () => process.exit(code),
    );
  };
  process.on("exit", killAll);
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
  let authExport: NodeJS.Timeout | undefined;
  const saveAuth = async () => {
    if (options.dataDir === null) return;
    try {
      await exportAuth(options.dataDir, `http://127.0.0.1:${PORTS.auth}`, PROJECT_ID, firebaseToolsVersion());
    } catch (error) {
      log(`[stack] Auth export failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
  let stopped: Promise<void> | undefined;
  const stop = () => (stopped ??= stopAll());
  const stopAll = async () => {
    // The watchdog now watches only this process: should it die before the end of this stop
    // (tsx, relaying Ctrl-C, may SIGKILL it), the watchdog finishes the stop.
    signalWatchdog("SIGUSR1");
    scheduler?.stop();
    clearInterval(authExport);
    if (children.length > 0) await saveAuth();
    // Reverse order: the functions first, then Firestore (which exports on SIGINT).
    for (const child of [...children].reverse()) await stopChild(child);
    process.off("exit", killAll);
    process.off("SIGTERM", onSignal);
    process.off("SIGINT", onSignal);
    killOrphanedWorkers(ROOT);
    releaseLock();
    signalWatchdog("SIGTERM");
  };
  const signalWatchdog = (signal: NodeJS.Signals) => {
    if (watchdog.exitCode === null && watchdog.signalCode === null) watchdog.kill(signal);
  };
  const track = (child: ChildProcess) => {
    children.push(child);
    recordChildren(children);
  };
  try {
    const external = process.env.FIRESTORE_EMULATOR_HOST;
    const ports = Object.entries(PORTS).filter(([name]) => external === undefined || name !== "firestore");
    for (const [name, port] of ports) await assertPortFree(port, name);
    const projectDir = options.watch === true ? ROOT : snapshotProject();
    ensureDevKeys(projectDir, options.functionEnv ?? {});

    let firestoreHost = external ?? `127.0.0.1:${PORTS.firestore}`;
    if (external === undefined) {
      // The project's index definitions: a query needing an undeclared index fails here as in production.
      const args = [
        "tsx",
        "firestore-offline/src/main.ts",
        "--port",
        String(PORTS.firestore),
        "--indexes",
        join(projectDir, "firestore.indexes.json"),
        // Ends itself (after compacting its journal) within a second of this process's death.
        "--exit-with",
        String(process.pid),
      ];
      if (options.dataDir !== null) {
        migrateOldLayout(options.dataDir, log);
        args.push("--data", firestoreDataDir(options.dataDir));
      }
      const firestore = spawnTool(args, {}, log, "firestore");
      track(firestore);
      await waitForLine(firestore, /listening on (\S+)/, READY_TIMEOUT_MS, "offline Firestore");
      firestoreHost = `127.0.0.1:${PORTS.firestore}`;
    } else {
      log(`Using the Firestore emulator at ${external} (FIRESTORE_EMULATOR_HOST).`);
    }

    writeLocalFirebaseConfig(projectDir);
    const firebaseArgs = [
      "firebase",
      "emulators:start",
      "--only",
      "auth,functions,hosting",
      "--project",
      PROJECT_ID,
      "--config",
      LOCAL_CONFIG_FILE,
    ];
    // Auth is exported by this stack (scripts/emulatorData.ts), not with --export-on-exit.
    if (options.dataDir !== null && hasExport(options.dataDir)) firebaseArgs.push("--import", options.dataDir);
    const firebase = spawnTool(
      firebaseArgs,
      {
        FIRESTORE_EMULATOR_HOST: firestoreHost,
        FUNCTIONS_EMULATOR_PARALLEL: process.env.FUNCTIONS_EMULATOR_PARALLEL ?? EMULATOR_PARALLEL_WORK,
        FUNCTIONS_DISCOVERY_TIMEOUT: process.env.FUNCTIONS_DISCOVERY_TIMEOUT ?? WORKER_BOOT_TIMEOUT_S,
        // Each load of the functions asks the npm registry for the latest firebase-functions (a
        // warning only); offline that waits out a 10 s timeout. npm answers from its cache instead.
        npm_config_offline: "true",
        ...options.functionEnv,
      },
      log,
      "firebase",
      projectDir,
    );
    track(firebase);
    await waitForLine(firebase, /All emulators ready/, READY_TIMEOUT_MS, "firebase emulators");
    await waitForHealth(`${API_BASE}/health`, READY_TIMEOUT_MS);

    if (options.dataDir !== null) authExport = setInterval(() => void saveAuth(), AUTH_EXPORT_EVERY_MS);
    const fireScheduled = (name: string) => fireScheduledFunction(name);
    if (options.scheduler === true) scheduler = await startScheduler(fireScheduled, log);
    return { apiBase: API_BASE, firestoreHost, fireScheduled, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * Scheduled v2 functions stay registered in the functions emulator when Pub/Sub is absent, and
 * answer on its background-trigger route as the HTTP handler Cloud Scheduler would call. That
 * route's key carries the emulator's reload generation (`<region>-<name>-<n>`); on a miss we
 * take the current key from the emulator's list of valid functions and try once more.
 */
const triggerKeys = new Map<string, string>();

export async function fireScheduledFunction(name: string): Promise<void> {
  const post = (key: string) =>
    fetch(`http://127.0.0.1:${PORTS.functions}/functions/projects/${PROJECT_ID}/triggers/${key}`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "X-CloudScheduler-JobName": `firebase-schedule-${name}-${REGION}`,
        "X-CloudScheduler-ScheduleTime": new Date().toISOString(),
      },
      body: "{}",
    });
  let response = await post(triggerKeys.get(name) ?? `${REGION}-${name}-0`);
  let text = await response.text();
  if (response.status === 404) {
    const key = new RegExp(`${REGION}-${name}-\\d+`).exec(text)?.[0];
    if (key !== undefined) {
      triggerKeys.set(name, key);
      response = await post(key);
      text = await response.text();
    }
  }
  if (!response.ok) throw new Error(`scheduled function ${name} answered ${response.status}: ${text.slice(0, 300)}`);
}

function spawnTool(
  args: string[],
  env: Record<string, string>,
  log: (line: string) => void,
  label: string,
  cwd = ROOT,
): ChildProcess {
  const [tool, ...rest] = args;
  if (tool === undefined) throw new Error("no command");
  const child = spawn(join(ROOT, "node_modules", ".bin", tool), rest, {
    cwd,
    env: { ...process.env, ...env, CI: process.env.CI ?? "true", NO_UPDATE_NOTIFIER: "1", FORCE_COLOR: "0" },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  const forward = (chunk: Buffer) => {
    for (const line of chunk.toString("utf8").split("\n")) if (line.trim().length > 0) log(`[${label}] ${line}`);
  };
  child.stdout?.on("data", forward);
  child.stderr?.on("data", forward);
  return child;
}

function waitForLine(child: ChildProcess, pattern: RegExp, timeoutMs: number, what: string): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    let seen = "";
    const timer = setTimeout(() => fail(new Error(`${what} did not start within ${timeoutMs / 1000}s`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      seen = (seen + chunk.toString("utf8")).slice(-20_000);
      if (pattern.test(seen)) done();
    };
    const onExit = (code: number | null) =>
      fail(new Error(`${what} exited (code ${code}) before it was ready:\n${seen.slice(-3000)}`));
    const cleanup = () => {
      clearTimeout(timer);
      child.stdout?.off("data", onData);
      child.stderr?.off("data", onData);
      child.off("exit", onExit);
    };
    const done = () => {
      cleanup();
      resolvePromise();
    };
    const fail = (error: Error) => {
      cleanup();
      reject(error);
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", onExit);
  });
}

async function waitForHealth(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url);
      if (response.ok) return;
      last = `status ${response.status}`;
    } catch (error) {
      last = String(error);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} did not answer 200 within ${timeoutMs / 1000}s (${last})`);
}

function firebaseToolsVersion(): string {
  return (
    JSON.parse(readFileSync(join(ROOT, "node_modules", "firebase-tools", "package.json"), "utf8")) as {
      version: string;
    }
  ).version;
}

/** SIGINT lets firebase-tools and the offline Firestore export; SIGKILL the group if they hang. */
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const pid = child.pid;
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  try {
    process.kill(-pid, "SIGINT");
  } catch {
    return;
  }
  const timeout = new Promise<"timeout">((r) => setTimeout(() => r("timeout"), 30_000));
  if ((await Promise.race([exited, timeout])) === "timeout") {
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      // already gone
    }
    await exited;
  }
}

function assertPortFree(port: number, name: string): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const server = createServer();
    server.once("error", () =>
      reject(new Error(`Port ${port} (${name}) is in use: is another \`npm start\` or test run going? Stop it first.`)),
    );
    server.listen(port, "127.0.0.1", () => server.close(() => resolvePromise()));
  });
}

/** The lock file: the owner's pid, then the process groups it started (for cleanup). */
function readLock(): { pid: number; groups: number[] } | null {
  if (!existsSync(LOCK_FILE)) return null;
  const [pid, ...groups] = readFileSync(LOCK_FILE, "utf8").trim().split(/\s+/).map(Number);
  return { pid: pid ?? 0, groups: groups.filter((g) => Number.isInteger(g) && g > 0) };
}

function acquireLock(): void {
  mkdirSync(STATE_DIR, { recursive: true });
  const lock = readLock();
  if (lock !== null && lock.pid > 0 && isAlive(lock.pid)) {
    throw new Error(
      `The Runnerplane stack is already running (pid ${lock.pid}). Stop it (Ctrl-C) before starting another.`,
    );
  }
  // The previous owner died without stopping its emulators (SIGKILL): they are ours to end.
  for (const group of lock?.groups ?? []) killGroup(group, "SIGKILL");
  killOrphanedWorkers(ROOT);
  writeFileSync(LOCK_FILE, String(process.pid));
}

function recordChildren(children: ChildProcess[]): void {
  const groups = children.map((c) => c.pid).filter((pid): pid is number => pid !== undefined);
  writeFileSync(LOCK_FILE, [process.pid, ...groups].join(" "));
}

function releaseLock(): void {
  if (readLock()?.pid === process.pid) rmSync(LOCK_FILE);
}

/**
 * The watchdog process (scripts/watchdog.ts): in its own process group, with no pipe to this
 * process (a pipe to a dead reader would end it), watching this process and its ancestors.
 */
function startWatchdog(dataDir: string | null): ChildProcess {
  const config: WatchdogConfig = {
    chain: ancestorsInGroup(),
    lockFile: LOCK_FILE,
    root: ROOT,
    logFile: WATCHDOG_LOG,
    auth:
      dataDir === null
        ? null
        : {
            dataDir,
            origin: `http://127.0.0.1:${PORTS.auth}`,
            projectId: PROJECT_ID,
            cliVersion: firebaseToolsVersion(),
          },
  };
  const child = spawn(
    process.execPath,
    ["--require", require.resolve("tsx/cjs"), join(ROOT, "scripts", "watchdog.ts"), JSON.stringify(config)],
    { cwd: ROOT, stdio: "ignore", detached: true },
  );
  child.unref();
  return child;
}

/** firebase.json as the local stack serves it (beside firebase.json, outside git). */
export const LOCAL_CONFIG_FILE = "firebase.local.json";
/** Origins the Studio talks to locally besides its own: the Auth emulator. */
export const LOCAL_CONNECT_ORIGINS = [`http://127.0.0.1:${PORTS.auth}`, `http://localhost:${PORTS.auth}`];

/**
 * The deployed firebase.json with the Studio's CSP opened to the emulators (`connect-src`), so
 * the local Studio runs under the production policy plus exactly what the local stack needs.
 */
export function localFirebaseConfig(config: string): string {
  const parsed = JSON.parse(config) as { hosting?: { headers?: { headers: { key: string; value: string }[] }[] } };
  for (const rule of parsed.hosting?.headers ?? []) {
    for (const header of rule.headers) {
      if (header.key.toLowerCase() !== "content-security-policy") continue;
      header.value = header.value.replace(
        /connect-src ([^;]*)/,
        (_, sources: string) => `connect-src ${sources} ${LOCAL_CONNECT_ORIGINS.join(" ")}`,
      );
    }
  }
  return JSON.stringify(parsed, null, 2);
}

function writeLocalFirebaseConfig(projectDir: string): void {
  writeFileSync(
    join(projectDir, LOCAL_CONFIG_FILE),
    localFirebaseConfig(readFileSync(join(ROOT, "firebase.json"), "utf8")),
  );
}

/**
 * A dev RS256 key pair for Control Plane tokens, made on first start outside git, and the
 * functions' local params (`functions/.env.local`) that point at its public half.
 */
function ensureDevKeys(projectDir: string, functionEnv: Record<string, string>): void {
  mkdirSync(DEV_KEY_DIR, { recursive: true });
  const privatePath = join(DEV_KEY_DIR, "control-plane.private.pem");
  const publicPath = join(DEV_KEY_DIR, "control-plane.public.pem");
  if (!existsSync(privatePath) || !existsSync(publicPath)) {
    const { privateKey, publicKey } = generateKeyPairSync("rsa", {
      modulusLength: 2048,
      publicKeyEncoding: { type: "spki", format: "pem" },
      privateKeyEncoding: { type: "pkcs8", format: "pem" },
    });
    writeFileSync(privatePath, privateKey, { mode: 0o600 });
    writeFileSync(publicPath, publicKey);
  }
  const publicKey = readFileSync(publicPath, "utf8").trim().replace(/\n/g, "\\n");
  const lines = [
    "# Written by the local stack (scripts/stack.ts); not in git.",
    `CONTROL_PLANE_PUBLIC_KEY="${publicKey}"`,
    ...Object.entries(functionEnv).map(([key, value]) => `${key}=${value}`),
  ];
  writeFileSync(join(projectDir, "functions", ".env.local"), `${lines.join("\n")}\n`);
  // Secret params (defineSecret) come from `.secret.local` in the emulator. The webhook master
  // key is made once and kept, so webhook secrets in exported emulator-data still open.
  const webhookKeyPath = join(DEV_KEY_DIR, "webhook-secret-key");
  if (!existsSync(webhookKeyPath)) writeFileSync(webhookKeyPath, randomBytes(32).toString("base64"), { mode: 0o600 });
  const webhookKey = readFileSync(webhookKeyPath, "utf8").trim();
  writeFileSync(join(projectDir, "functions", ".secret.local"), `WEBHOOK_SECRET_KEY=${webhookKey}\n`, { mode: 0o600 });
}

/**
 * A private project directory for one stack: firebase.json and the rules beside it, the built
 * functions (`lib`, `package.json`; modules resolve from the repository's node_modules above)
 * and the built Hosting content. The emulators run from there, watching files nobody rebuilds.
 */
function snapshotProject(): string {
  const dir = join(STATE_DIR, "stack-project");
  rmSync(dir, { recursive: true, force: true });
  const { main } = JSON.parse(readFileSync(join(ROOT, "functions", "package.json"), "utf8")) as { main: string };
  if (!existsSync(join(ROOT, "functions", main)))
    throw new Error("functions/lib is missing: run `npm run build` first.");
  for (const file of [
    "firebase.json",
    "firestore.rules",
    "firestore.indexes.json",
    "storage.rules",
    join("functions", "package.json"),
    join("functions", `.env.${PROJECT_ID}`),
  ])
    cpSync(join(ROOT, file), join(dir, file));
  cpSync(join(ROOT, "functions", "lib"), join(dir, "functions", "lib"), { recursive: true });
  cpSync(join(ROOT, "hosting", "public"), join(dir, "hosting", "public"), { recursive: true });
  return dir;
}
