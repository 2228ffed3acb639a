/**
 * Issue 20's read budget, as issue 16 (item 5) left it: metrics are computed at scrape time from
 * the jobs (no counter writes per job move), so a scrape's billed reads grow with the team's
 * queues and jobs instead of staying fixed. One scrape of `GET /api/metrics`'s core
 * (`readMetrics`), with 10,000 pending jobs in two queues, against a private offline Firestore in
 * this process (no stack, no lock). Prints the billed reads per scrape (and with `history=1`) and
 * exits non-zero above the bound docs/metrics.md states for this shape of team.
 *
 *   npm run bench:metrics [-- --jobs 10000]
 */
import { startOfflineFirestore } from "../firestore-offline/src/index";

const jobsArg = process.argv.indexOf("--jobs");
const JOBS = jobsArg > 0 ? Number(process.argv[jobsArg + 1]) : 10_000;
const QUEUES = 2;
/**
 * docs/metrics.md's bound for a team whose jobs are all pending and none started or ended in the
 * window: queue listing (queues + 1), tally (1), 8 aggregations per queue plus one per further
 * 1,000 jobs the pending count scans, two empty samples (1 each), three runner aggregations.
 */
const BUDGET = QUEUES + 1 + 1 + QUEUES * 8 + Math.ceil(JOBS / QUEUES / 1000 - 1) * QUEUES + 2 + 3;

async function main(): Promise<void> {
  const firestore = await startOfflineFirestore({ port: 0, indexes: "firestore.indexes.json" });
  process.env.FIRESTORE_EMULATOR_HOST = `127.0.0.1:${firestore.port}`;
  process.env.GCLOUD_PROJECT ??= "demo-runnerplane";
  // Imported after the host is set: db() connects on first use.
  const { db } = await import("../functions/src/data/firestore");
  const { jobs } = await import("../functions/src/data/jobs");
  const { newJobDoc } = await import("../functions/src/core/jobs/newJob");
  const { readMetrics } = await import("../functions/src/core/metrics/readMetrics");
  const stats = async () => {
    const response = await fetch(`http://127.0.0.1:${firestore.port}/emulator/v1/stats`);
    return (await response.json()) as { documentReads: number; queries: number };
  };

  const teamId = "bench-metrics";
  const seeded = Date.now();
  for (let i = 0; i < JOBS; i += 200) {
    const batch = db().batch();
    for (let k = i; k < Math.min(JOBS, i + 200); k++) {
      const ref = jobs().doc();
      const doc = newJobDoc(
        ref.id,
        {
          kind: "generic",
          queue: `generic/user:${teamId}`,
          teamId,
          payload: {},
          tags: k % 2 ? ["gpu"] : [],
          leaseMs: 60_000,
        },
        new Date(),
      );
      batch.create(ref, doc);
    }
    await batch.commit();
  }
  const seedMs = Date.now() - seeded;

  // The first scrape folds the (empty) tally once; the one measured is a steady-state scrape.
  await readMetrics(teamId, new Date());
  const before = await stats();
  const started = performance.now();
  const metrics = await readMetrics(teamId, new Date());
  const scrapeMs = performance.now() - started;
  const after = await stats();
  const reads = after.documentReads - before.documentReads;
  const pending = metrics.queues.reduce((n, q) => n + q.jobs.pending, 0);

  const history = await readMetrics(teamId, new Date(), true);
  const historyReads = (await stats()).documentReads - after.documentReads;

  console.log(`pending jobs seeded: ${JOBS} (in ${seedMs} ms); the scrape counted ${pending}`);
  console.log(
    `scrape: ${reads} billed reads, ${after.queries - before.queries} queries, ${scrapeMs.toFixed(1)} ms (budget ${BUDGET})`,
  );
  console.log(`scrape with ?history=1: ${historyReads} billed reads (${history.history?.length ?? 0} minute rows)`);
  await firestore.stop();
  if (pending !== JOBS || reads > BUDGET) {
    console.error("FAILED: the scrape miscounted or went over its read budget");
    process.exit(1);
  }
  process.exit(0);
}

void main();
