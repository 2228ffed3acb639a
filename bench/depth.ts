/**
 * `npx tsx bench/depth.ts [--leases 80] [--depths 100,10000,100000] [--scan]`: lease latency
 * against queue depth. For each depth, a private offline Firestore (in this process, on a free
 * loopback port, with the project's firestore.indexes.json) is seeded with that many pending
 * jobs, and `claimJobs({ limit: 1 })` (imported from source) takes leases one after another.
 * With indexed queries the claim reads only the head of its index range, so latency should not
 * grow with depth. `--scan` makes every query scan every document instead (the offline
 * Firestore before indexes), for comparison. Writes bench/results/depth.json. No stack, no lock.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { CLAIM_WINDOW, claimJobs } from "../functions/src/core/jobs/claimJobs";
import { pendingHead } from "../functions/src/data/jobs";
import { shardsOf } from "../functions/src/core/jobs/model";
import { startOfflineFirestore } from "../firestore-offline/src/index";
import { ROOT } from "../scripts/stack";
import { connectFirestore, pendingCount, readCounts, resetCounts } from "./lib/firestore";
import { percentile } from "./lib/load";
import { MAX_SEEDED_JOBS, seedQueue } from "./lib/seed";

const LEASE_MS = 10 * 60 * 1000;
const WARM_UP_LEASES = 10;
const log = (line: string) => process.stdout.write(`${line}\n`);

interface DepthResult {
  depth: number;
  leases: number;
  seedSeconds: number;
  latencyMs: { p50: number; p90: number; p99: number; mean: number; max: number };
  readsPerLease: number;
  queriesPerLease: number;
  /** The claim's window read alone (pendingHead, CLAIM_WINDOW + 1 jobs), timed on its own. */
  windowReadMs: { p50: number; p99: number };
}

const WINDOW_READS = 40;

async function measure(depth: number, leases: number): Promise<DepthResult> {
  const queue = `workspace/user:bench-depth-${depth}`;
  const seedStarted = performance.now();
  for (let seeded = 0; seeded < depth; seeded += MAX_SEEDED_JOBS) {
    await seedQueue({
      queue,
      ownerUid: `bench-depth-${depth}`,
      count: Math.min(MAX_SEEDED_JOBS, depth - seeded),
      leaseMs: LEASE_MS,
      withWorkspaces: false,
    });
  }
  const seedSeconds = (performance.now() - seedStarted) / 1000;
  const claim = async (i: number) => {
    const claimed = await claimJobs({
      queue,
      holder: `bench-depth-runner-${i}`,
      limit: 1,
      leaseMs: LEASE_MS,
      now: new Date(),
    });
    if (claimed.length !== 1) throw new Error(`claim ${i} at depth ${depth} leased ${claimed.length} jobs`);
  };
  // The first claims build the index the claim reads (once per Firestore start).
  for (let i = 0; i < WARM_UP_LEASES; i++) await claim(i);
  // The window read alone, on the full queue (less the warm-up leases).
  const reads: number[] = [];
  for (let i = 0; i < WINDOW_READS; i++) {
    const started = performance.now();
    const window = await pendingHead(shardsOf(queue), CLAIM_WINDOW + 1).get();
    reads.push(performance.now() - started);
    const expected = Math.min(CLAIM_WINDOW + 1, depth - WARM_UP_LEASES);
    if (window.size !== expected)
      throw new Error(`window read at depth ${depth} returned ${window.size} jobs, not ${expected}`);
  }
  await resetCounts();
  const latencies: number[] = [];
  for (let i = 0; i < leases; i++) {
    const started = performance.now();
    await claim(WARM_UP_LEASES + i);
    latencies.push(performance.now() - started);
  }
  const counts = await readCounts();
  const left = (await pendingCount(queue)).count;
  if (left !== depth - leases - WARM_UP_LEASES)
    throw new Error(`depth ${depth}: ${left} jobs left pending, expected ${depth - leases - WARM_UP_LEASES}`);
  const round = (n: number) => Math.round(n * 100) / 100;
  return {
    depth,
    leases,
    seedSeconds: round(seedSeconds),
    latencyMs: {
      p50: round(percentile(latencies, 50)),
      p90: round(percentile(latencies, 90)),
      p99: round(percentile(latencies, 99)),
      mean: round(latencies.reduce((a, b) => a + b, 0) / latencies.length),
      max: round(Math.max(...latencies)),
    },
    readsPerLease: round(counts.documentReads / leases),
    queriesPerLease: round(counts.queries / leases),
    windowReadMs: { p50: round(percentile(reads, 50)), p99: round(percentile(reads, 99)) },
  };
}

async function main(): Promise<void> {
  process.setSourceMapsEnabled(false);
  const { values } = parseArgs({
    options: {
      leases: { type: "string", default: "80" },
      depths: { type: "string", default: "100,10000,100000" },
      scan: { type: "boolean", default: false },
    },
  });
  const leases = Number(values.leases);
  const depths = values.depths.split(",").map(Number);
  if (!(leases > 0) || depths.some((d) => !Number.isInteger(d) || d < leases + WARM_UP_LEASES)) {
    throw new Error("--leases must be positive and every depth at least leases + 10");
  }
  const firestore = await startOfflineFirestore({
    port: 0,
    indexes: join(ROOT, "firestore.indexes.json"),
    scanEveryQuery: values.scan,
  });
  connectFirestore(`127.0.0.1:${firestore.port}`);
  log(
    `Lease latency by queue depth: claimJobs limit 1, ${leases} sequential leases per depth, ${values.scan ? "every query scanning" : "indexed queries"}`,
  );
  const results: DepthResult[] = [];
  try {
    // A throwaway round first, so the first depth measured does not pay for JIT warm-up.
    await measure(WARM_UP_LEASES + 40, 40);
    for (const depth of depths) {
      firestore.clear();
      const result = await measure(depth, leases);
      results.push(result);
      const { p50, p90, p99, mean } = result.latencyMs;
      log(
        `  ${String(depth).padStart(7)} pending: p50 ${p50} ms, p90 ${p90} ms, p99 ${p99} ms, mean ${mean} ms; ` +
          `${result.readsPerLease} reads and ${result.queriesPerLease} queries per lease; ` +
          `window read alone p50 ${result.windowReadMs.p50} ms, p99 ${result.windowReadMs.p99} ms (seeded in ${result.seedSeconds} s)`,
      );
    }
  } finally {
    await firestore.stop();
  }
  const dir = join(ROOT, "bench", "results");
  mkdirSync(dir, { recursive: true });
  const file = join(dir, values.scan ? "depth-scan.json" : "depth.json");
  const machine = { cpus: cpus().length, loadavg: loadavg().map((l) => Math.round(l * 100) / 100) };
  writeFileSync(
    file,
    `${JSON.stringify({ date: new Date().toISOString(), mode: values.scan ? "scan" : "indexed", machine, results }, null, 2)}\n`,
  );
  log(`Wrote ${file}`);
  process.exit(0);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
