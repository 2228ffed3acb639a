/**
 * Linux process facts from /proc for the local stack and its watchdog: who is whose parent,
 * which processes belong to one `npm start`, and ending process groups.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";

export interface ProcessStat {
  ppid: number;
  pgrp: number;
  /** R, S, D, Z (zombie: dead, not yet reaped), T, ... */
  state: string;
}

/** `/proc/<pid>/stat`, or undefined when the process is gone. */
export function processStat(pid: number): ProcessStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses; it ends at the last ")".
  const [state, ppid, pgrp] = text.slice(text.lastIndexOf(")") + 2).split(" ");
  return { state: state ?? "", ppid: Number(ppid), pgrp: Number(pgrp) };
}

/** Whether a process runs (a zombie counts as gone). */
export function isAlive(pid: number): boolean {
  const stat = processStat(pid);
  return stat !== undefined && stat.state !== "Z";
}

/**
 * This process and its ancestors in its own process group, nearest first. A shell with job
 * control puts `npm start` and everything it runs (npm, sh, tsx, node) in one group led by
 * npm, so the last entry is the command the user started: if any of them goes, the stack is
 * orphaned and must end.
 */
export function ancestorsInGroup(pid = process.pid): number[] {
  const chain = [pid];
  const group = processStat(pid)?.pgrp;
  for (let current = processStat(pid); current !== undefined && current.ppid > 1;) {
    const parent = processStat(current.ppid);
    if (parent === undefined || parent.pgrp !== group) break;
    chain.push(current.ppid);
    current = parent;
  }
  return chain;
}

/** True when a link of the chain broke: a member died, or was re-parented because its parent died. */
export function chainBroken(chain: readonly number[]): boolean {
  return chain.some((pid, i) => {
    const stat = processStat(pid);
    if (stat === undefined || stat.state === "Z") return true;
    const parent = chain[i + 1];
    return parent !== undefined && stat.ppid !== parent;
  });
}

/** Whether any process of the group runs. */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

export function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // already gone
  }
}

/**
 * The functions emulator's worker processes outlive firebase-tools when it is killed hard, and
 * each holds ~70 MB. Reap this checkout's orphans (parent gone, reparented to init).
 */
export function killOrphanedWorkers(root: string): void {
  const marker = join(root, "node_modules", "firebase-tools", "lib", "emulator", "functionsEmulatorRuntime");
  let table: string;
  try {
    table = execFileSync("ps", ["-eo", "pid=,ppid=,args="], { encoding: "utf8" });
  } catch {
    return;
  }
  for (const line of table.split("\n")) {
    const match = /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line);
    if (match?.[2] === "1" && match[3]?.includes(marker) === true) {
      try {
        process.kill(Number(match[1]), "SIGKILL");
      } catch {
        // already gone
      }
    }
  }
}
