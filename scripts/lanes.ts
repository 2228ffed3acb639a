/**
 * Runs lanes of npm scripts side by side: `tsx scripts/lanes.ts "lint" "typecheck build"` runs
 * `lint` in one lane while the other runs `typecheck` then `build`. Each line of output carries
 * its script's name; the first failure stops the other lanes and sets the exit code. On two
 * cores, lint and the compilers are each single-threaded, so two lanes finish in about half the
 * time of one.
 */
import { spawn, type ChildProcess } from "node:child_process";

const running = new Set<ChildProcess>();
let failed = false;

function runScript(name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn("npm", ["run", "--silent", name], { stdio: ["ignore", "pipe", "pipe"], detached: true });
    running.add(child);
    const prefix = (chunk: Buffer) =>
      chunk
        .toString("utf8")
        .split("\n")
        .filter((line) => line.trim() !== "" && !line.includes('Unknown user config "nodedir"'))
        .map((line) => `[${name}] ${line}\n`)
        .join("");
    child.stdout?.on("data", (chunk: Buffer) => process.stdout.write(prefix(chunk)));
    child.stderr?.on("data", (chunk: Buffer) => process.stderr.write(prefix(chunk)));
    child.on("exit", (code, signal) => {
      running.delete(child);
      if (code === 0) {
        process.stdout.write(`[${name}] done in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
        resolve();
      } else reject(new Error(`${name} failed (${signal ?? `exit ${String(code)}`})`));
    });
  });
}

function stopGroup(child: ChildProcess): void {
  try {
    if (child.pid !== undefined) process.kill(-child.pid, "SIGTERM");
  } catch {
    // already gone
  }
}

async function lane(scripts: string[]): Promise<void> {
  for (const script of scripts) {
    if (failed) return;
    await runScript(script);
  }
}

const lanes = process.argv.slice(2).map((arg) => arg.split(/\s+/).filter((s) => s !== ""));
if (lanes.length === 0) {
  process.stderr.write('usage: tsx scripts/lanes.ts "script1 script2" "script3" …\n');
  process.exit(2);
}
void Promise.allSettled(
  lanes.map((scripts) =>
    lane(scripts).catch((error: unknown) => {
      failed = true;
      for (const child of running) stopGroup(child);
      throw error;
    }),
  ),
).then((results) => {
  const errors = results.flatMap((r) =>
    r.status === "rejected" ? [r.reason instanceof Error ? r.reason.message : String(r.reason)] : [],
  );
  if (errors.length > 0) {
    process.stderr.write(`${errors.join("\n")}\n`);
    process.exit(1);
  }
});
