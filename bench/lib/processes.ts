/**
 * The bench's own process tree, so that whatever the stack leaves running after `stop()` can be
 * ended by id. The functions emulator's worker processes can outlive their parent (they do not
 * all exit on the SIGINT the stack sends its group, and once the group leader has exited no
 * SIGKILL follows); a bench that makes the emulator spawn many must not leave them eating memory.
 */
import { execFileSync } from "node:child_process";

export interface OwnProcess {
  pid: number;
  /** Its command line when listed: a pid reused by someone else's process will not match. */
  command: string;
}

/** Every live process below `root` (children, grandchildren, …). */
export function descendants(root: number): OwnProcess[] {
  const table = execFileSync("ps", ["-eo", "pid=,ppid=,args="], { encoding: "utf8" });
  const children = new Map<number, OwnProcess[]>();
  for (const line of table.split("\n")) {
    const match = /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line);
    if (match === null) continue;
    const [, pid, ppid, command] = match;
    const parent = Number(ppid);
    children.set(parent, [...(children.get(parent) ?? []), { pid: Number(pid), command: command ?? "" }]);
  }
  const out: OwnProcess[] = [];
  const pending = [root];
  while (pending.length > 0) {
    const next = pending.pop();
    if (next === undefined) break;
    for (const child of children.get(next) ?? []) {
      out.push(child);
      pending.push(child.pid);
    }
  }
  return out;
}

function commandOf(pid: number): string | undefined {
  try {
    return execFileSync("ps", ["-o", "args=", "-p", String(pid)], { encoding: "utf8" }).trim();
  } catch {
    return undefined; // not running
  }
}

/** SIGKILLs those of `processes` still running the same command (they were ours when listed). */
export function killLeftovers(processes: readonly OwnProcess[]): number {
  let killed = 0;
  for (const { pid, command } of processes) {
    if (pid === process.pid || commandOf(pid) !== command) continue;
    try {
      process.kill(pid, "SIGKILL");
      killed++;
    } catch {
      // exited meanwhile
    }
  }
  return killed;
}
