/**
 * `npx tsx bench/experiments.ts [--jobs 1500] [--concurrency 10,50] [--only name,...]`
 *
 * The claim designs tried while tuning claimJobs (bench/README.md records the figures). Runs
 * against a private offline Firestore on a free port, in-process only, so it needs neither the
 * stack nor its lock. Each variant drains the same freshly seeded queue.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { claimJobs } from "../functions/src/core/jobs/claimJobs";
import { jobs as jobs_ } from "../functions/src/data/jobs";
import { ROOT } from "../scripts/stack";
import { clearDatabase, connectFirestore, pendingCount, readCounts, resetCounts } from "./lib/firestore";
import { percentile, runLoad, type CallOutcome } from "./lib/load";
import { naiveClaim } from "./lib/naiveClaim";
import { installProbe, probed } from "./lib/probe";
import { seedQueue } from "./lib/seed";
import { pooledClaim, variantClaim, type Variant } from "./lib/variantClaim";

const LEASE_MS = 10 * 60 * 1000;
const PHASE_MAX_MS = 120_000;
const START_TIMEOUT_MS = 60_000;

/** The designs compared. `all-24` is claimJobs as first shipped (CLAIM_WINDOW 24, 4 rounds). */
const VARIANTS: Variant[] = [
  { name: "all-24", window: 24, rounds: 4, shards: "all", triesPerWindow: Number.POSITIVE_INFINITY },
  { name: "all-8", window: 8, rounds: 4, shards: "all", triesPerWindow: Number.POSITIVE_INFINITY },
  { name: "all-48", window: 48, rounds: 4, shards: "all", triesPerWindow: Number.POSITIVE_INFINITY },
  { name: "all-24-reread", window: 24, rounds: 4, shards: "all", triesPerWindow: 2 },
  { name: "one-24", window: 24, rounds: 4, shards: "one", triesPerWindow: Number.POSITIVE_INFINITY },
  { name: "one-8", window: 8, rounds: 4, shards: "one", triesPerWindow: Number.POSITIVE_INFINITY },
  { name: "one-12", window: 12, rounds: 4, shards: "one", triesPerWindow: Number.POSITIVE_INFINITY },
  { name: "one-16", window: 16, rounds: 4, shards: "one", triesPerWindow: Number.POSITIVE_INFINITY },
];

function startFirestore(): Promise<{ host: string; child: ChildProcess }> {
  const child = spawn(join(ROOT, "node_modules", ".bin", "tsx"), ["firestore-offline/src/main.ts", "--port", "0"], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("offline Firestore did not start")), START_TIMEOUT_MS);
    let seen = "";
    child.stdout.on("data", (chunk: Buffer) => {
      seen += chunk.toString("utf8");
      const match = /listening on (\S+)/.exec(seen);
      if (match?.[1] !== undefined) {
        clearTimeout(timer);
        resolve({ host: match[1], child });
      }
    });
    child.once("exit", (code) => reject(new Error(`offline Firestore exited (${code})`)));
  });
}

type Claim = (queue: string, holder: string, worker: number, ids: readonly string[]) => Promise<CallOutcome>;

/** `partitioned`: an empty answer means the worker's own share is done, not the queue. */
async function measure(name: string, concurrency: number, jobs: number, claim: Claim, partitioned = false) {
  await clearDatabase();
  const queue = "workspace/user:experiments";
  const ids = await seedQueue({
    queue,
    ownerUid: "experiments",
    count: jobs,
    leaseMs: LEASE_MS,
    withWorkspaces: false,
  });
  await resetCounts();
  let benchReads = 0;
  const run = await runLoad({
    concurrency,
    maxMs: PHASE_MAX_MS,
    maxCalls: jobs * 4,
    maxLeases: Number.POSITIVE_INFINITY,
    pendingLeft: async () => {
      if (partitioned) return 0;
      const left = await pendingCount(queue);
      benchReads += left.billedReads;
      return left.count;
    },
    claim: (worker) => claim(queue, `runner-${worker}`, worker, ids),
  });
  const counts = await readCounts();
  const leases = run.granted.size;
  const ms = run.samples.map((s) => s.ms);
  const p50 = percentile(ms, 50);
  const p99 = percentile(ms, 99);
  const sum = (pick: (s: (typeof run.samples)[number]) => number | undefined) =>
    run.samples.reduce((n, s) => n + (pick(s) ?? 0), 0);
  const row = {
    variant: name,
    concurrency,
    leases,
    throughput: Number((leases / (run.leaseWindowMs / 1000)).toFixed(1)),
    p50: Number(p50.toFixed(1)),
    p99: Number(p99.toFixed(1)),
    p99OverP50: Number((p99 / p50).toFixed(2)),
    lostRacesPerLease: Number((sum((s) => s.lostRaces) / leases).toFixed(2)),
    windowsPerLease: Number((sum((s) => s.queries) / leases).toFixed(2)),
    abortsPerLease: Number((counts.transactionsAborted / leases).toFixed(2)),
    readsPerLease: Number(((counts.documentReads - benchReads) / leases).toFixed(1)),
    errors: run.errors,
    falseEmpties: run.falseEmpties,
    doubleLeases: run.doubleLeases.length,
    drained: run.drained,
  };
  console.log(JSON.stringify(row));
  return row;
}

async function main(): Promise<void> {
  process.setSourceMapsEnabled(false);
  const { values } = parseArgs({
    options: {
      jobs: { type: "string", default: "1500" },
      concurrency: { type: "string", default: "10,50" },
      only: { type: "string" },
    },
  });
  const jobs = Number(values.jobs);
  const levels = values.concurrency.split(",").map(Number);
  const only = values.only?.split(",");
  const pick = (name: string) => only === undefined || only.includes(name);
  const { host, child } = await startFirestore();
  try {
    connectFirestore(host);
    installProbe();
    const rows = [];
    for (const concurrency of levels) {
      if (pick("shipped")) {
        rows.push(
          await measure("shipped", concurrency, jobs, async (queue, holder) => {
            const { value, probe } = await probed(() =>
              claimJobs({ queue, holder, limit: 1, leaseMs: LEASE_MS, now: new Date() }),
            );
            return {
              grants: value.map((c) => ({ id: c.id, holder })),
              aborts: 0,
              lostRaces: probe.lostRaces,
              queries: probe.queries,
            };
          }),
        );
      }
      for (const variant of VARIANTS.filter((v) => pick(v.name))) {
        rows.push(
          await measure(variant.name, concurrency, jobs, async (queue, holder) => {
            const out = await variantClaim(variant, queue, holder, 1, LEASE_MS, new Date());
            return {
              grants: out.claimed.map((c) => ({ id: c.id, holder })),
              aborts: 0,
              lostRaces: out.lostRaces,
              queries: out.windows,
            };
          }),
        );
      }
      for (const poolMs of [500, 2000]) {
        const name = `pool-one-24-${poolMs}ms`;
        if (!pick(name)) continue;
        const variant = {
          name,
          window: 24,
          rounds: 4,
          shards: "one" as const,
          triesPerWindow: Number.POSITIVE_INFINITY,
          poolMs,
        };
        rows.push(
          await measure(name, concurrency, jobs, async (queue, holder) => {
            const out = await pooledClaim(variant, queue, holder, 1, LEASE_MS, new Date());
            return {
              grants: out.claimed.map((c) => ({ id: c.id, holder })),
              aborts: 0,
              lostRaces: out.lostRaces,
              queries: out.windows,
            };
          }),
        );
      }
      if (pick("ceiling")) {
        // Not a claim design: each runner owns every C-th job and leases its own with one read
        // and one conditional write, nobody contending. What this machine allows at best.
        const next = new Map<number, number>();
        rows.push(
          await measure(
            "ceiling",
            concurrency,
            jobs,
            async (_queue, holder, worker, ids) => {
              const i = next.get(worker) ?? worker;
              next.set(worker, i + concurrency);
              const id = ids[i];
              if (id === undefined) return { grants: [], aborts: 0 };
              const snap = await jobs_().doc(id).get();
              await snap.ref.update(
                { status: "LEASED", pendingShard: null, "lease.holder": holder },
                { lastUpdateTime: snap.updateTime },
              );
              return { grants: [{ id, holder }], aborts: 0 };
            },
            true,
          ),
        );
      }
      if (pick("naive")) {
        rows.push(
          await measure("naive", concurrency, jobs, async (queue, holder) => {
            const out = await naiveClaim(queue, holder, LEASE_MS, new Date());
            return { grants: out.lease === null ? [] : [out.lease], aborts: out.retries };
          }),
        );
      }
    }
    mkdirSync(join(ROOT, "bench", "results"), { recursive: true });
    writeFileSync(
      join(ROOT, "bench", "results", "experiments.json"),
      `${JSON.stringify({ generatedAt: new Date().toISOString(), cpus: cpus().length, loadAverage: loadavg(), jobs, rows }, null, 2)}\n`,
    );
  } finally {
    child.kill("SIGINT");
  }
  process.exit(0);
}

void main();
