/**
 * The local stack's watchdog: a small process of its own (own process group, no terminal, no
 * pipes to the stack) that ends the emulators when the `npm start` that owns them is gone.
 *
 * Node has no PDEATHSIG, and firebase-tools' emulators run in process groups of their own (so a
 * Ctrl-C reaches them only through the stack's clean stop): when `npm start` is killed with
 * SIGKILL they would keep running, holding the ports, with the last few seconds of Auth users
 * only in memory. The stack starts this watchdog with the chain of processes from itself up to
 * the command the user started (scripts/processTree.ts, ancestorsInGroup) and its lock file,
 * which lists the emulators' process groups. Every WATCH_EVERY_MS it checks the chain; once a
 * link breaks (a member died or was re-parented), it
 *
 *   1. asks a still-living stack to stop cleanly (SIGTERM: it exports Auth and stops its
 *      emulators) and gives it STACK_STOP_MS, or else
 *   2. when the stack itself was killed, exports the Auth emulator's users to the data directory
 *      (the emulator still runs and answers; nobody else will);
 *   3. sends SIGINT to each emulator group (the offline Firestore compacts its journal, firebase-tools
 *      shuts down), then SIGKILL to what is left after GROUP_STOP_MS, including the functions
 *      emulator's orphaned workers;
 *   4. removes the lock and exits.
 *
 * A stack that begins a clean stop sends SIGUSR1: from then on only the stack's own death counts
 * (its ancestors may go first: a Ctrl-C reaches npm and sh too, and tsx may SIGKILL the stack
 * mid-stop), and the watchdog finishes the job if the stack dies before it is done. A stack
 * whose clean stop is complete sends SIGTERM, which ends the watchdog.
 *
 *   node --require tsx/cjs scripts/watchdog.ts '<json: WatchdogConfig>'
 */
import { appendFileSync, existsSync, readFileSync, rmSync } from "node:fs";
import { exportAuth } from "./emulatorData";
import { chainBroken, groupAlive, isAlive, killGroup, killOrphanedWorkers } from "./processTree";

export interface WatchdogConfig {
  /** The stack's process first, then its ancestors up to the command the user started. */
  chain: number[];
  /** The stack's lock file: "<owner pid> <emulator process group>...". */
  lockFile: string;
  /** The checkout (for the orphaned-worker sweep). */
  root: string;
  /** Where to append what the watchdog did. */
  logFile: string;
  /** Auth export on the way out; null for a throwaway stack. */
  auth: { dataDir: string; origin: string; projectId: string; cliVersion: string } | null;
}

const WATCH_EVERY_MS = 500;
const STACK_STOP_MS = 45_000;
const GROUP_STOP_MS = 10_000;
const AUTH_EXPORT_TIMEOUT_MS = 10_000;

const config = JSON.parse(process.argv[2] ?? "null") as WatchdogConfig;
const owner = config.chain[0] ?? 0;
let tearingDown = false;
/** The stack began its clean stop: only its own death counts now. */
let ownerStopping = false;

const log = (line: string) => {
  try {
    appendFileSync(config.logFile, `${new Date().toISOString()} [watchdog ${process.pid}] ${line}\n`);
  } catch {
    // nowhere to report
  }
};

/** The lock as the stack last wrote it; null once the stack released it (or another owns it). */
function lockedGroups(): number[] | null {
  if (!existsSync(config.lockFile)) return null;
  const [pid, ...groups] = readFileSync(config.lockFile, "utf8").trim().split(/\s+/).map(Number);
  return pid === owner ? groups.filter((g) => Number.isInteger(g) && g > 1) : null;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitUntil(check: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (check()) return true;
    await sleep(100);
  }
  return check();
}

async function tearDown(): Promise<void> {
  tearingDown = true;
  log(
    ownerStopping
      ? `the stack (${owner}) died during its clean stop: finishing it`
      : `the chain ${config.chain.join(" <- ")} broke: stopping the stack`,
  );
  // Read before the stack's clean stop removes the lock.
  const groups = lockedGroups() ?? [];
  // A living stack stops cleanly and exports Auth itself; a killed one leaves that to us.
  const ownerKilled = !isAlive(owner);
  if (!ownerKilled) {
    process.kill(owner, "SIGTERM");
    if (!(await waitUntil(() => !isAlive(owner), STACK_STOP_MS))) {
      log(`the stack (${owner}) did not stop within ${STACK_STOP_MS / 1000}s: SIGKILL`);
      process.kill(owner, "SIGKILL");
    }
  }
  const running = groups.filter(groupAlive);
  if (ownerKilled && running.length > 0 && config.auth !== null) {
    const { dataDir, origin, projectId, cliVersion } = config.auth;
    try {
      const users = await Promise.race([
        exportAuth(dataDir, origin, projectId, cliVersion),
        sleep(AUTH_EXPORT_TIMEOUT_MS).then(() => Promise.reject(new Error("timed out"))),
      ]);
      log(`exported ${users} Auth users to ${dataDir}`);
    } catch (error) {
      log(`Auth export failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  for (const group of running) killGroup(group, "SIGINT");
  if (!(await waitUntil(() => !running.some(groupAlive), GROUP_STOP_MS))) {
    log(`groups still running after ${GROUP_STOP_MS / 1000}s: SIGKILL`);
  }
  for (const group of running) killGroup(group, "SIGKILL");
  killOrphanedWorkers(config.root);
  if (lockedGroups() !== null) rmSync(config.lockFile, { force: true });
  log(`stopped ${running.length} emulator group(s)`);
}

process.on("SIGTERM", () => {
  // The stack stopping normally; during a tear-down, that is the stack we asked to stop.
  if (!tearingDown) process.exit(0);
});
process.on("SIGINT", () => undefined);
process.on("SIGUSR1", () => (ownerStopping = true));

const timer = setInterval(() => {
  if (tearingDown) return;
  if (lockedGroups() === null && !isAlive(owner)) {
    clearInterval(timer);
    process.exit(0);
  }
  if (ownerStopping ? isAlive(owner) : !chainBroken(config.chain)) return;
  clearInterval(timer);
  tearDown().then(
    () => process.exit(0),
    (error: unknown) => {
      log(`tear-down failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      process.exit(1);
    },
  );
}, WATCH_EVERY_MS);
log(`watching ${config.chain.join(" <- ")}`);
