/**
 * The local stack's watchdog (scripts/watchdog.ts) and its /proc helpers, without a stack: a
 * stand-in "stack" process, a stand-in emulator process group, a lock file naming both.
 */
import * as assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ancestorsInGroup, chainBroken, isAlive, processStat } from "../../scripts/processTree";
import type { WatchdogConfig } from "../../scripts/watchdog";

const ROOT = join(__dirname, "..", "..");

async function waitFor(check: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms / 1000}s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("local stack watchdog", function () {
  this.timeout(30_000);
  let dir = "";
  const started: ChildProcess[] = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "watchdog-"));
  });
  afterEach(() => {
    for (const child of started.splice(0)) if (child.pid !== undefined && isAlive(child.pid)) child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  });
  const sleeper = (detached = false) => {
    const child = spawn("sleep", ["300"], { stdio: "ignore", detached });
    started.push(child);
    return child.pid ?? 0;
  };
  const watchdog = (config: Omit<WatchdogConfig, "root" | "logFile">) => {
    const child = spawn(
      process.execPath,
      [
        "--require",
        require.resolve("tsx/cjs"),
        join(ROOT, "scripts", "watchdog.ts"),
        JSON.stringify({ ...config, root: ROOT, logFile: join(dir, "watchdog.log") }),
      ],
      { stdio: "ignore", detached: true },
    );
    started.push(child);
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    return { pid: child.pid ?? 0, exited };
  };

  it("reads parents and process groups from /proc, and sees a broken chain", () => {
    const stat = processStat(process.pid);
    assert.equal(stat?.ppid, process.ppid);
    assert.equal(ancestorsInGroup()[0], process.pid);
    for (const pid of ancestorsInGroup().slice(1)) assert.equal(processStat(pid)?.pgrp, stat?.pgrp);
    const child = sleeper();
    assert.equal(chainBroken([child, process.pid]), false);
    assert.equal(chainBroken([child, process.ppid]), true, "not its parent");
    process.kill(child, "SIGKILL");
    return waitFor(() => chainBroken([child, process.pid]), "the dead child to break the chain");
  });

  it("ends the emulator groups named in the lock when the stack is killed, then removes the lock", async () => {
    const stack = sleeper();
    const emulator = sleeper(true); // a group of its own, like the emulators
    const lockFile = join(dir, "stack.lock");
    writeFileSync(lockFile, `${stack} ${emulator}`);
    const dog = watchdog({ chain: [stack], lockFile, auth: null });
    await new Promise((r) => setTimeout(r, 1_500));
    assert.ok(isAlive(emulator), "nothing happens while the stack runs");
    process.kill(stack, "SIGKILL");
    await waitFor(() => !isAlive(emulator), "the emulator group to end");
    assert.equal(await dog.exited, 0);
    assert.equal(existsSync(lockFile), false, "the lock is removed");
    assert.match(readFileSync(join(dir, "watchdog.log"), "utf8"), /broke: stopping the stack/);
  });

  it("stands down on SIGTERM (a clean stop) and leaves the emulators to the stack", async () => {
    const stack = sleeper();
    const emulator = sleeper(true);
    const lockFile = join(dir, "stack.lock");
    writeFileSync(lockFile, `${stack} ${emulator}`);
    const dog = watchdog({ chain: [stack], lockFile, auth: null });
    await new Promise((r) => setTimeout(r, 1_500));
    process.kill(dog.pid, "SIGTERM");
    assert.equal(await dog.exited, 0);
    process.kill(stack, "SIGKILL");
    await new Promise((r) => setTimeout(r, 1_000));
    assert.ok(isAlive(emulator));
  });
});
