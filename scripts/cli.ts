/**
 * What every script under `npm run …` shares: `--help` (usage on stdout, exit 0), a clear error
 * for an unknown option (exit 2), and for the long-running ones, building first and taking the
 * machine-wide stack lock (the stack's ports are fixed) only after the arguments are known good.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { parseArgs, type ParseArgsConfig } from "node:util";
import { ROOT } from "./stack";

type Options = NonNullable<ParseArgsConfig["options"]>;

/** Parses `process.argv` against `options`; prints `usage` and exits on `--help` or bad input. */
export function parseCli<T extends Options>(usage: string, options: T) {
  try {
    const parsed = parseArgs({
      options: { ...options, help: { type: "boolean", short: "h", default: false } },
      strict: true,
      allowPositionals: false,
    });
    if ((parsed.values as { help?: boolean }).help === true) {
      process.stdout.write(`${usage.trim()}\n`);
      process.exit(0);
    }
    return parsed.values;
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n\n${usage.trim()}\n`);
    process.exit(2);
  }
}

export const STACK_LOCK = "/tmp/rp-stack.lock";

/**
 * Builds the functions and the Studio, then re-runs this script under `flock` so that two stacks
 * on this machine wait for each other instead of fighting over ports. Returns in the child.
 */
export function buildAndLock(): void {
  if (process.env.RUNNERPLANE_STACK_LOCKED === "1") return;
  execFileSync("npm", ["run", "build"], { cwd: ROOT, stdio: "inherit" });
  const result = spawnSync("flock", [STACK_LOCK, process.execPath, ...process.execArgv, ...process.argv.slice(1)], {
    stdio: "inherit",
    env: { ...process.env, RUNNERPLANE_STACK_LOCKED: "1" },
  });
  process.exit(result.status ?? 1);
}
