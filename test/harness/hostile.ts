import { readdirSync, readFileSync } from "node:fs";

/**
 * A hostile job, as node source: it reads `/proc/$PPID/environ` and every `/proc/*` environ and
 * cmdline it can open, starts a `setsid` child that writes `lateFile` 4 s later (its argv carries
 * `marker`, so a test can look for it afterwards), forks 200 processes, prints what it found as
 * one JSON line, then allocates 512 MiB of Buffers.
 */
export function hostileSource(marker: string, lateFile: string): string {
  return `
const fs = require("fs");
const { spawn } = require("child_process");
const seen = [];
const pids = fs.readdirSync("/proc").filter((name) => /^\\d+$/.test(name));
for (const pid of [String(process.ppid), ...pids]) {
  for (const file of ["environ", "cmdline"]) {
    try { seen.push(fs.readFileSync("/proc/" + pid + "/" + file, "latin1").split("\\0").join(" ")); } catch {}
  }
}
fs.writeSync(1, "SEEN " + seen.join("\\n") + "\\n");
const late = spawn("setsid", [process.execPath, "-e", "setTimeout(() => require('fs').writeFileSync(" + JSON.stringify(${JSON.stringify(lateFile)}) + ", 'late'), 4000); setInterval(() => {}, 1000); // ${marker}"], { detached: true, stdio: "ignore" });
late.on("error", () => {});
late.unref();
let started = 0;
let refused = 0;
for (let i = 0; i < 200; i++) {
  const child = spawn("sleep", ["30"], { stdio: "ignore" });
  child.on("spawn", () => started++);
  child.on("error", () => refused++);
}
setTimeout(() => {
  fs.writeSync(1, "REPORT " + JSON.stringify({ procs: pids.length, started, refused }) + "\\n");
  const hold = [];
  for (let i = 0; i < 512; i++) hold.push(Buffer.alloc(1024 * 1024, 1));
  fs.writeSync(1, "ALLOCATED " + hold.length + " MiB\\n");
  process.exit(0);
}, 1500);
`;
}

/** The line the hostile job printed with its counts. */
export function hostileReport(output: string): { procs: number; started: number; refused: number } | null {
  const line = output.split("\n").find((l) => l.startsWith("REPORT "));
  return line === undefined
    ? null
    : (JSON.parse(line.slice("REPORT ".length)) as { procs: number; started: number; refused: number });
}

/** Processes whose command line carries `marker` (stragglers of a hostile job). */
export function processesWith(marker: string): number[] {
  const found: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${name}/cmdline`, "latin1").includes(marker)) found.push(Number(name));
    } catch {
      // Gone meanwhile.
    }
  }
  return found;
}
