/**
 * `npx tsx bench/report.ts [--write]`: the "Latest results" tables of bench/README.md, made from
 * bench/results/latest.json. Prints them; with --write replaces the text between the
 * `<!-- results:start -->` and `<!-- results:end -->` markers of bench/README.md.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { IdleCost } from "./lib/scheduler";

const BENCH = __dirname;
const START = "<!-- results:start -->";
const END = "<!-- results:end -->";

interface Dist {
  p50: number;
  p99: number;
}

interface Phase {
  concurrency: number;
  leases: number;
  calls: number;
  throughput: number;
  latencyMs: Dist & { p90: number; max: number };
  p99OverP50: number;
  abortsPerCall: Dist;
  lostRacesPerCall?: Dist & { mean: number };
  windowsPerCall?: Dist & { mean: number };
  emptyCalls: number;
  falseEmpties: number;
  errors: number;
  drained: boolean;
  timedOut: boolean;
  wallS: number;
  perLease: {
    reads: number;
    writes: number;
    abortedTransactions: number;
    transactions: number;
    refusedCommits?: number;
  };
}

interface Sweep {
  label: string;
  phases: Phase[];
}

interface Ops {
  reads: number;
  writes: number;
  deletes: number;
  transactions: number;
  abortedTransactions: number;
}

interface Lifecycle {
  queueDepth: number;
  jobs: number;
  steps: Record<string, Ops>;
  total: Ops;
  usdPerMillionJobs: number;
}

interface PollCost {
  polls: number;
  perPoll: Ops;
  usdPerMillionPolls: number;
}

interface Results {
  generatedAt: string;
  durationS: number;
  machine: { cpus: number; node: string; loadAverageBefore: number[]; loadAverageAfter: number[] };
  plan: { mode: string; jobs: number; httpJobs: number; fleetTasks: number };
  lease: {
    inProcess: {
      shipped: Sweep;
      naive: Sweep;
      ratio: { concurrency: number; shipped: number; naive: number; ratio: number }[];
    };
    http: {
      shipped: Sweep;
      warmUp?: { calls: number; latencyMs: Dist };
      emptyPollFloor: { concurrency: number; polls: number; latencyMs: Dist }[];
    };
    fleet: { mode: string; note: string | null; sweep: Sweep };
  };
  cost: {
    workspace: { idleQueue: Lifecycle; busyQueue: Lifecycle; emptyPoll: PollCost | null };
    fleet: { idleQueue: Lifecycle; busyQueue: Lifecycle; emptyPoll: PollCost | null };
  };
  correctness: {
    ok: boolean;
    perSweep: {
      label: string;
      doubleLeases: number;
      holderMismatches: number;
      orphanLeases: number;
      pendingLeft: number;
      falseEmpties: number;
      drained: boolean;
    }[];
  };
  targets: Target[];
  scheduler?: Scheduler;
  schedulerTargets?: Target[];
}

interface Target {
  name: string;
  value: number;
  target: string;
  met: boolean;
}

interface Scheduler {
  cost?: {
    jobsApi: Lifecycle;
    emptyCalls: { face: string; calls: number; poll: Ops; wait: Ops; waitMs: number }[];
  };
  /** Runs before the shared listeners have no `opening` or `keyOpsPerHour`. */
  idle?: Omit<IdleCost, "opening" | "keyOpsPerHour"> & Partial<Pick<IdleCost, "opening" | "keyOpsPerHour">>;
  timeToStart?: {
    waiters: number;
    waitMs: number;
    samples: number;
    startMs: Dist & { p90: number; max: number };
    missing: number;
    doubleLeases: number;
    holderMismatches: number;
  }[];
  starvation?: { ineligibleAhead: number; calls: number; ms: number; leasedTheEligibleJob: boolean; wrongJobs: number };
  priority?: {
    oneRunner: { jobs: number; inExactOrder: number; share: number };
    concurrent: {
      claimers: number;
      jobs: number;
      rounds: number;
      leases: number;
      inversionsAcrossLevels: number;
      doubleLeases: number;
      holderMismatches: number;
      roundMs: Dist;
    };
  };
}

const n = (v: number | null | undefined, digits = 1) =>
  v === null || v === undefined || !Number.isFinite(v)
    ? "—"
    : v.toLocaleString("en-US", { maximumFractionDigits: digits });
const row = (cells: (string | number)[]) => `| ${cells.join(" | ")} |`;
const header = (cells: string[]) => [row(cells), row(cells.map(() => "---"))];

function phaseAt(sweep: Sweep, concurrency: number): Phase | undefined {
  return sweep.phases.find((p) => p.concurrency === concurrency);
}

function sweepTable(sweep: Sweep, unit: string): string[] {
  const out = header([
    "runners",
    `${unit}/s`,
    "p50 ms",
    "p99 ms",
    "p99/p50",
    "reads / lease",
    "writes / lease",
    "lost races / lease",
    "aborted tx / lease",
    "leases",
    "errors",
    "drained",
  ]);
  for (const p of sweep.phases) {
    out.push(
      row([
        p.concurrency,
        n(p.throughput),
        n(p.latencyMs.p50),
        n(p.latencyMs.p99),
        n(p.p99OverP50, 2),
        n(p.perLease.reads, 2),
        n(p.perLease.writes, 2),
        n(p.perLease.refusedCommits, 2),
        n(p.perLease.abortedTransactions, 2),
        p.leases,
        p.errors,
        p.timedOut ? "time bound hit" : p.drained ? "yes" : "share taken",
      ]),
    );
  }
  return out;
}

function lifecycleRows(name: string, c: Lifecycle): string[] {
  const step = (s: string) => {
    const ops = c.steps[s];
    return ops === undefined ? "—" : `${n(ops.reads, 2)} r / ${n(ops.writes, 2)} w`;
  };
  return [
    row([
      name,
      c.queueDepth,
      step("queue"),
      step("lease"),
      step("heartbeat"),
      step("complete"),
      `**${n(c.total.reads, 2)} r / ${n(c.total.writes, 2)} w**`,
      n(c.total.abortedTransactions, 2),
      `$${n(c.usdPerMillionJobs, 2)}`,
    ]),
  ];
}

export function report(r: Results): string {
  const { shipped, naive, ratio } = r.lease.inProcess;
  const out: string[] = [];
  out.push(
    `From \`results/latest.json\` (${r.plan.mode} run, ${r.generatedAt.slice(0, 16).replace("T", " ")} UTC, ${r.durationS} s; ${r.machine.cpus} CPUs, Node ${r.machine.node}, ` +
      `load average ${r.machine.loadAverageBefore[0] ?? "?"} before and ${r.machine.loadAverageAfter[0] ?? "?"} after).`,
    "",
    "![lease throughput and latency per concurrency](results/latest.svg)",
    "",
    "### Targets (50 runners, in-process)",
    "",
    ...header(["target", "measured", "wanted", "met"]),
    ...r.targets.map((t) => row([t.name, n(t.value, 2), t.target, t.met ? "yes" : "**no**"])),
    "",
    `### In-process claim: shipped vs naive (${n(r.plan.jobs, 0)} pending jobs)`,
    "",
    ...header([
      "runners",
      "shipped leases/s",
      "naive leases/s",
      "ratio",
      "shipped p50 / p99 ms",
      "naive p50 / p99 ms",
      "shipped aborts / lease (median)",
      "naive aborts / lease (median, p99)",
      "shipped lost races / lease (mean)",
    ]),
  );
  for (const x of ratio) {
    const a = phaseAt(shipped, x.concurrency);
    const b = phaseAt(naive, x.concurrency);
    if (a === undefined || b === undefined) continue;
    out.push(
      row([
        x.concurrency,
        n(x.shipped),
        n(x.naive),
        `**${n(x.ratio, 2)}×**`,
        `${n(a.latencyMs.p50)} / ${n(a.latencyMs.p99)}`,
        `${n(b.latencyMs.p50)} / ${n(b.latencyMs.p99)}`,
        n(a.abortsPerCall.p50, 2),
        `${n(b.abortsPerCall.p50, 2)}, ${n(b.abortsPerCall.p99, 2)} (${n(b.perLease.abortedTransactions, 2)} mean)`,
        n(a.lostRacesPerCall?.mean, 2),
      ]),
    );
  }
  out.push(
    "",
    "Shipped, per phase:",
    "",
    ...sweepTable(shipped, "leases"),
    "",
    "Naive, per phase:",
    "",
    ...sweepTable(naive, "leases"),
  );

  out.push(
    "",
    `### Full HTTP path: \`POST /leaseWorkspaceJob\` through Hosting and the functions emulator (${n(r.plan.httpJobs, 0)} jobs)`,
    "",
    ...sweepTable(r.lease.http.shipped, "leases"),
    "",
  );
  if (r.lease.http.warmUp !== undefined) {
    out.push(
      `Before it, ${r.lease.http.warmUp.calls} empty polls at 50 runners let the emulator boot its workers (p50 ${n(r.lease.http.warmUp.latencyMs.p50)} ms, p99 ${n(r.lease.http.warmUp.latencyMs.p99)} ms). `,
    );
  }
  out.push(
    "The floor under every HTTP claim, the same call on an empty queue: " +
      r.lease.http.emptyPollFloor
        .map(
          (f) =>
            `${f.concurrency} runner${f.concurrency === 1 ? "" : "s"} p50 ${n(f.latencyMs.p50)} / p99 ${n(f.latencyMs.p99)} ms`,
        )
        .join("; ") +
      ".",
  );

  out.push(
    "",
    `### Fleet task claim (seed 004), limit 5 per call (${n(r.plan.fleetTasks, 0)} review tasks, ${r.lease.fleet.mode})`,
    "",
  );
  if (r.lease.fleet.note !== null) out.push(r.lease.fleet.note, "");
  out.push(...sweepTable(r.lease.fleet.sweep, "tasks"));

  out.push(
    "",
    "### Correctness during the run",
    "",
    ...header([
      "sweep",
      "double leases",
      "grantee mismatches",
      "leased to nobody",
      "left unleased",
      "false empties",
      "drained",
    ]),
  );
  for (const s of r.correctness.perSweep)
    out.push(
      row([
        s.label,
        s.doubleLeases,
        s.holderMismatches,
        s.orphanLeases,
        s.pendingLeft,
        s.falseEmpties,
        s.drained ? "yes" : "no",
      ]),
    );

  out.push(
    "",
    "### Firestore cost per job lifecycle (queue → lease → one heartbeat → complete)",
    "",
    "Counted by the offline Firestore per job (per task for the fleet), reads (r) and writes (w); priced at $0.06 / 100k reads, $0.18 / 100k writes.",
    "",
    ...header([
      "lifecycle",
      "jobs ahead",
      "queue",
      "lease",
      "heartbeat",
      "complete",
      "total per job",
      "aborted tx / job",
      "per million jobs",
    ]),
    ...lifecycleRows("workspace (seed 001)", r.cost.workspace.idleQueue),
    ...lifecycleRows("workspace (seed 001)", r.cost.workspace.busyQueue),
    ...lifecycleRows("fleet task (seed 004), claimed 5 at a time", r.cost.fleet.idleQueue),
    ...lifecycleRows("fleet task (seed 004), claimed 5 at a time", r.cost.fleet.busyQueue),
    "",
    ...header(["empty poll", "reads", "writes", "per million polls"]),
  );
  const poll = (name: string, p: PollCost | null) =>
    p === null ? [] : [row([name, n(p.perPoll.reads, 2), n(p.perPoll.writes, 2), `$${n(p.usdPerMillionPolls, 2)}`])];
  out.push(
    ...poll("`POST /leaseWorkspaceJob`", r.cost.workspace.emptyPoll),
    ...poll("`GET /api/runners/tasks/pending?limit=5`", r.cost.fleet.emptyPoll),
  );
  return out.join("\n");
}

/** Issue 16's figures (items 5 and 8), when the run measured them. */
function schedulerReport(r: Results): string[] {
  const s = r.scheduler;
  if (s === undefined) return [];
  const out: string[] = ["", "### Scheduler (issue 16): targets", ""];
  out.push(...header(["target", "measured", "wanted", "met"]));
  for (const t of r.schedulerTargets ?? []) out.push(row([t.name, n(t.value, 3), t.target, t.met ? "yes" : "**no**"]));
  if (s.cost !== undefined) {
    out.push(
      "",
      "### Jobs API lifecycle (seed 002) and empty calls per face",
      "",
      ...header([
        "lifecycle",
        "jobs ahead",
        "queue",
        "lease",
        "heartbeat",
        "complete",
        "total per job",
        "aborted tx / job",
        "per million jobs",
      ]),
      ...lifecycleRows("jobs API (`POST /jobs` → lease → heartbeat → complete)", s.cost.jobsApi),
      "",
      ...header([
        "face",
        "empty poll: reads / writes",
        `empty wait (${s.cost.emptyCalls[0]?.waitMs ?? 0} ms): reads / writes`,
      ]),
    );
    for (const e of s.cost.emptyCalls)
      out.push(
        row([
          e.face,
          `${n(e.poll.reads, 2)} / ${n(e.poll.writes, 2)}`,
          `${n(e.wait.reads, 2)} / ${n(e.wait.writes, 2)}`,
        ]),
      );
  }
  if (s.timeToStart !== undefined) {
    out.push(
      "",
      "### Time-to-start (job created → lease answer received; jobs API, one process serving)",
      "",
      ...header([
        "waiting runners",
        "jobs",
        "p50 ms",
        "p90 ms",
        "p99 ms",
        "max ms",
        "missing",
        "double leases",
        "holder mismatches",
      ]),
    );
    for (const l of s.timeToStart)
      out.push(
        row([
          l.waiters,
          l.samples,
          n(l.startMs.p50),
          n(l.startMs.p90),
          n(l.startMs.p99),
          n(l.startMs.max),
          l.missing,
          l.doubleLeases,
          l.holderMismatches,
        ]),
      );
  }
  if (s.idle !== undefined)
    out.push(
      "",
      `**Idle runner** (jobs API, \`waitMs\` ${n(s.idle.waitMs, 0)}, ${s.idle.calls} calls in ${n(s.idle.elapsedS)} s through Hosting): ${s.idle.counted.documentReads} reads, ${s.idle.counted.documentWrites} writes, ${n(s.idle.opsPerCall, 2)} billed ops per call, plus the key's \`lastUsedAt\` refresh (${s.idle.keyWritesPerHour} writes/h and as many listener reads) → **${n(s.idle.opsPerRunnerHour, 0)} billed ops per runner-hour**.${s.idle.opening === undefined ? "" : ` The process's first wait on the queue opened its listeners for ${s.idle.opening.documentReads} reads, once per process.`}`,
    );
  if (s.starvation !== undefined)
    out.push(
      "",
      `**Starvation**: an untagged job behind ${n(s.starvation.ineligibleAhead, 0)} tagged ones (higher priority, older) was ${s.starvation.leasedTheEligibleJob ? "leased" : "**not** leased"} after ${s.starvation.calls} call(s), ${n(s.starvation.ms)} ms; jobs handed to a runner without their tags: ${s.starvation.wrongJobs}.`,
    );
  if (s.priority !== undefined) {
    const c = s.priority.concurrent;
    out.push(
      "",
      `**Priority order**: 1 runner, ${s.priority.oneRunner.inExactOrder} of ${s.priority.oneRunner.jobs} leases in exact order (share ${n(s.priority.oneRunner.share, 3)}); ${c.claimers} concurrent claimers over ${c.jobs} jobs at 3 levels: ${c.leases} leased in ${c.rounds} rounds (round p50 ${n(c.roundMs.p50)} ms, p99 ${n(c.roundMs.p99)} ms), **${c.inversionsAcrossLevels} inversions across levels**, ${c.doubleLeases} double leases, ${c.holderMismatches} stored holders differing.`,
    );
  }
  return out;
}

function main(): void {
  const { values } = parseArgs({ options: { write: { type: "boolean", default: false } } });
  const results = JSON.parse(readFileSync(join(BENCH, "results", "latest.json"), "utf8")) as Results;
  const text = [report(results), ...schedulerReport(results)].join("\n");
  if (!values.write) {
    process.stdout.write(`${text}\n`);
    return;
  }
  const readmePath = join(BENCH, "README.md");
  const readme = readFileSync(readmePath, "utf8");
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) throw new Error(`bench/README.md has no ${START} … ${END} section`);
  writeFileSync(readmePath, `${readme.slice(0, start + START.length)}\n\n${text}\n\n${readme.slice(end)}`);
  process.stdout.write("Updated the results section of bench/README.md.\n");
}

main();
