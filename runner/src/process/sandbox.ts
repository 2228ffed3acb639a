/**
 * Job isolation. Where the machine allows it, every job process runs under Debian's bubblewrap
 * (`bwrap`) in its own PID namespace with a fresh /proc (it sees only its own processes, and all
 * of them die with it, `setsid` included), with the runner's config and state directories hidden,
 * and in a cgroup of its own that caps memory (all of it: heap, Buffers, children), CPU and the
 * number of processes. Coderunner executions also get a read-only root, a private work
 * directory and /tmp, and optionally no network. We use bubblewrap and the kernel's cgroup files
 * rather than our own namespace code; what the machine did not allow is reported, not faked.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** What this machine lets the runner enforce; printed at start and by the sandbox test. */
export interface SandboxReport {
  /** bubblewrap, working (own PID namespace, fresh /proc, hidden paths, read-only root). */
  bubblewrap: boolean;
  /** The cgroup interface that limits memory, CPU and processes, or null. */
  cgroups: "v1" | "v2" | null;
  /** bubblewrap could also take the network away. */
  network: boolean;
  /** Why something is missing, in words. */
  notes: string[];
}

/** How one process tree is confined. */
export interface Confinement {
  /** Unique among this runner's live confinements (a cgroup name). */
  name: string;
  memoryMiB: number | null;
  cpuMillis: number | null;
  maxProcesses: number;
  network: boolean;
  /** Read-only root with only `writable` (and a private /tmp) writable: Coderunner executions. */
  readOnlyRoot: boolean;
  writable: string[];
  /** Paths job processes must not read (the runner's config file and state directory). */
  hidden: string[];
}

export interface Confined {
  /** The argv to spawn instead of the job's own. */
  command: string[];
  /** Added to the job's environment (the cgroup files its first process joins; unset before the job starts). */
  env: Record<string, string>;
  /** After the process ended: whether the memory limit killed something in it. */
  memoryLimitHit(): boolean;
  /** Kills whatever is left in its cgroup and removes the cgroup (without blocking the runner). */
  release(): Promise<void>;
}

const BWRAP = "bwrap";
const CONTROLLERS = ["memory", "pids", "cpu"] as const;
type Controller = (typeof CONTROLLERS)[number];

export class Sandbox {
  private constructor(
    readonly report: SandboxReport,
    private readonly cgroups: Cgroups | null,
  ) {}

  /** Probes the machine once: runs bwrap for real and creates (then removes) a cgroup. */
  static detect(owner: string): Sandbox {
    const notes: string[] = [];
    const bubblewrap = probeBwrap(["--unshare-pid"]);
    if (!bubblewrap)
      notes.push(
        "bubblewrap (bwrap) is missing or cannot create namespaces here: no PID namespace, no hidden paths, no read-only root",
      );
    const network = bubblewrap && probeBwrap(["--unshare-pid", "--unshare-net"]);
    if (bubblewrap && !network) notes.push("bubblewrap cannot take the network away here");
    let cgroups: Cgroups | null = null;
    try {
      cgroups = Cgroups.open(owner);
    } catch (error) {
      notes.push(
        `no cgroup limits (memory, CPU, processes): ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    return new Sandbox({ bubblewrap, cgroups: cgroups?.version ?? null, network, notes }, cgroups);
  }

  /** A sandbox that confines nothing (tests of the runner's own logic). */
  static none(): Sandbox {
    return new Sandbox({ bubblewrap: false, cgroups: null, network: false, notes: ["sandbox disabled"] }, null);
  }

  get available(): boolean {
    return this.report.bubblewrap;
  }

  /** Removes the runner's own (by now empty) cgroup directories. */
  close(): void {
    this.cgroups?.close();
  }

  /** One line for the operator: what holds and what does not. */
  describe(): string {
    const r = this.report;
    const holds = [
      r.bubblewrap ? "own PID namespace and /proc, hidden config and state, read-only root for executions" : null,
      r.cgroups !== null ? `memory, CPU and process limits (cgroup ${r.cgroups})` : null,
      r.network ? "optional no-network" : null,
    ].filter((x) => x !== null);
    return `${holds.length > 0 ? holds.join("; ") : "no isolation"}${r.notes.length > 0 ? ` — missing: ${r.notes.join("; ")}` : ""}`;
  }

  confine(command: readonly string[], cwd: string, c: Confinement): Confined {
    const group = this.cgroups?.create(c) ?? null;
    let argv = [...command];
    if (this.report.bubblewrap) argv = [BWRAP, ...bwrapArgs(cwd, c, this.report.network), "--", ...argv];
    if (group !== null) {
      // The shell joins the cgroup, then becomes the job: everything it starts is counted.
      argv = [
        "/bin/sh",
        "-c",
        'for f in $RP_CGROUP_PROCS; do echo $$ > "$f" || exit 125; done; unset RP_CGROUP_PROCS; exec "$@"',
        "rp-sandbox",
        ...argv,
      ];
    }
    return {
      command: argv,
      env: group === null ? {} : { RP_CGROUP_PROCS: group.procsFiles.join(" ") },
      memoryLimitHit: () => group?.memoryLimitHit() ?? false,
      release: async () => group?.release(),
    };
  }
}

function bwrapArgs(cwd: string, c: Confinement, canUnshareNet: boolean): string[] {
  const args = ["--die-with-parent", "--unshare-pid", "--unshare-ipc", "--unshare-uts"];
  if (!c.network && canUnshareNet) args.push("--unshare-net");
  args.push(c.readOnlyRoot ? "--ro-bind" : "--bind", "/", "/", "--dev", "/dev", "--proc", "/proc");
  if (c.readOnlyRoot) args.push("--tmpfs", "/tmp");
  // A hidden directory becomes an empty one; a hidden file reads as empty.
  for (const path of c.hidden)
    if (existsSync(path))
      args.push(...(statSync(path).isDirectory() ? ["--tmpfs", path] : ["--ro-bind", "/dev/null", path]));
  for (const path of c.writable) args.push("--bind", path, path);
  args.push("--chdir", cwd);
  return args;
}

function probeBwrap(extra: string[]): boolean {
  const probe = spawnSync(
    BWRAP,
    [
      "--die-with-parent",
      ...extra,
      "--ro-bind",
      "/",
      "/",
      "--proc",
      "/proc",
      "--dev",
      "/dev",
      "/bin/sh",
      "-c",
      "test $$ -lt 10",
    ],
    { stdio: "ignore", timeout: 10_000 },
  );
  return probe.status === 0;
}

interface Group {
  procsFiles: string[];
  memoryLimitHit(): boolean;
  release(): Promise<void>;
}

/**
 * The cgroup file interface, v1 (one hierarchy per controller) or v2 (one unified tree). Job
 * cgroups are made below the runner's own cgroup, so they also stay within the runner's limits.
 */
class Cgroups {
  private constructor(
    readonly version: "v1" | "v2",
    /** v1: a base directory per controller; v2: one base directory under "memory". */
    private readonly bases: Record<Controller, string>,
  ) {}

  static open(owner: string): Cgroups {
    const lines = readFileSync("/proc/self/cgroup", "utf8").trim().split("\n");
    const v1 = new Map<string, string>();
    let unified: string | null = null;
    for (const line of lines) {
      const [, controllers = "", path = "/"] = line.split(":");
      if (controllers === "") unified = path;
      for (const name of controllers.split(",")) if (name !== "") v1.set(name, path);
    }
    const leaf = `runnerplane-${owner.replace(/[^A-Za-z0-9._-]/g, "_")}`;
    if (CONTROLLERS.every((c) => v1.has(c))) {
      const bases = {} as Record<Controller, string>;
      for (const c of CONTROLLERS) {
        const mount = [join("/sys/fs/cgroup", c), join("/sys/fs/cgroup", c === "cpu" ? "cpu,cpuacct" : c)].find((dir) =>
          existsSync(join(dir, "cgroup.procs")),
        );
        if (mount === undefined) throw new Error(`the ${c} cgroup hierarchy is not mounted`);
        const own = join(mount, v1.get(c) ?? "/");
        bases[c] = writableChild(existsSync(own) ? own : mount, leaf);
      }
      return new Cgroups("v1", bases);
    }
    if (unified !== null && existsSync("/sys/fs/cgroup/cgroup.controllers")) {
      const own = join("/sys/fs/cgroup", unified);
      const available = readFileSync(join(own, "cgroup.controllers"), "utf8").split(/\s+/);
      const missing = CONTROLLERS.filter((c) => !available.includes(c));
      if (missing.length > 0)
        throw new Error(
          `cgroup v2 controllers not delegated here: ${missing.join(", ")} (a systemd unit with Delegate=yes gives them)`,
        );
      // A cgroup with processes in it cannot hand controllers down: the runner moves into a leaf.
      const self = writableChild(own, `${leaf}-self`);
      writeFileSync(join(self, "cgroup.procs"), String(process.pid));
      writeFileSync(join(own, "cgroup.subtree_control"), CONTROLLERS.map((c) => `+${c}`).join(" "));
      const base = writableChild(own, leaf);
      writeFileSync(join(base, "cgroup.subtree_control"), CONTROLLERS.map((c) => `+${c}`).join(" "));
      return new Cgroups("v2", { memory: base, pids: base, cpu: base });
    }
    throw new Error("neither cgroup v1 (memory, pids, cpu) nor a delegated cgroup v2 tree is available");
  }

  close(): void {
    for (const dir of new Set(Object.values(this.bases))) {
      try {
        rmdirSync(dir);
      } catch {
        // A job's cgroup still in it (the runner was stopped hard): left for the next start.
      }
    }
  }

  create(c: Confinement): Group {
    const dirs = [...new Set(CONTROLLERS.map((controller) => join(this.bases[controller], c.name)))];
    for (const dir of dirs) mkdirSync(dir, { recursive: true });
    const at = (controller: Controller, file: string) => join(this.bases[controller], c.name, file);
    if (this.version === "v1") {
      if (c.memoryMiB !== null) {
        const bytes = String(c.memoryMiB * 1024 * 1024);
        writeFileSync(at("memory", "memory.limit_in_bytes"), bytes);
        // With swap, the limit must cover memory + swap or the job pages out instead of stopping.
        if (existsSync(at("memory", "memory.memsw.limit_in_bytes")))
          writeFileSync(at("memory", "memory.memsw.limit_in_bytes"), bytes);
      }
      writeFileSync(at("pids", "pids.max"), String(c.maxProcesses));
      if (c.cpuMillis !== null) {
        writeFileSync(at("cpu", "cpu.cfs_period_us"), "100000");
        writeFileSync(at("cpu", "cpu.cfs_quota_us"), String(Math.max(1000, c.cpuMillis * 100)));
      }
    } else {
      if (c.memoryMiB !== null) {
        writeFileSync(at("memory", "memory.max"), String(c.memoryMiB * 1024 * 1024));
        if (existsSync(at("memory", "memory.swap.max"))) writeFileSync(at("memory", "memory.swap.max"), "0");
      }
      writeFileSync(at("pids", "pids.max"), String(c.maxProcesses));
      if (c.cpuMillis !== null) writeFileSync(at("cpu", "cpu.max"), `${Math.max(1000, c.cpuMillis * 100)} 100000`);
    }
    return {
      procsFiles: dirs.map((dir) => join(dir, "cgroup.procs")),
      memoryLimitHit: () =>
        this.memoryLimitHit(
          at("memory", this.version === "v1" ? "memory.oom_control" : "memory.events"),
          at("memory", "memory.failcnt"),
        ),
      release: () => releaseGroups(dirs),
    };
  }

  private memoryLimitHit(events: string, failcnt: string): boolean {
    try {
      const kills = /oom_kill (\d+)/.exec(readFileSync(events, "utf8"));
      if (kills !== null) return Number(kills[1]) > 0;
      return this.version === "v1" && Number(readFileSync(failcnt, "utf8")) > 0;
    } catch {
      return false;
    }
  }
}

/** A child cgroup directory we can create and write, made if missing. */
function writableChild(parent: string, name: string): string {
  const dir = join(parent, name);
  mkdirSync(dir, { recursive: true });
  const probe = join(dir, `probe-${process.pid}`);
  mkdirSync(probe);
  rmdirSync(probe);
  return dir;
}

/** Kills every process left in the groups (a job's stragglers), then removes the groups. */
async function releaseGroups(dirs: string[]): Promise<void> {
  for (const dir of dirs) {
    for (let round = 0; round < 50; round++) {
      const pids = readPids(join(dir, "cgroup.procs"));
      if (pids.length === 0) break;
      if (existsSync(join(dir, "cgroup.kill"))) writeFileSync(join(dir, "cgroup.kill"), "1");
      else for (const pid of pids) killQuietly(pid);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    try {
      rmdirSync(dir);
    } catch {
      // Still busy (a process in uninterruptible sleep): the next release of this name retries.
    }
  }
}

function readPids(file: string): number[] {
  try {
    return readFileSync(file, "utf8")
      .split("\n")
      .filter((l) => l.trim() !== "")
      .map(Number);
  } catch {
    return [];
  }
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // Already gone.
  }
}
