/**
 * Issue 20's read budget: one scrape of `GET /api/metrics`'s core (`readMetrics`) with 10,000
 * pending jobs in two queues, against a private offline Firestore in this process (no stack, no
 * lock). Prints the billed reads the offline Firestore counted and exits non-zero over budget.
 *
 *   npm run bench:metrics [-- --jobs 10000]
 */
import { startOfflineFirestore } from "../firestore-offline/src/index";

const BUDGET = 20;
const jobsArg = process.argv.indexOf("--jobs");
const JOBS = jobsArg > 0 ? Number(process.argv[jobsArg + 1]) : 10_000;

async function main(): Promise<void> {
  const firestore = await startOfflineFirestore({ port: 0, indexes: "firestore.indexes.json" });
  process.env.FIRESTORE_EMULATOR_HOST = `127.0.0.1:${firestore.port}`;
  process.env.GCLOUD_PROJECT ??= "demo-runnerplane";
  // Imported after the host is set: db() connects on first use.
  const { db } = await import("../functions/src/data/firestore");
  const { jobs } = await import("../functions/src/data/jobs");
  const { newJobDoc } = await import("../functions/src/core/jobs/newJob");
  const { countJobMove } = await import("../functions/src/core/metrics/countJobMove");
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
      countJobMove(batch, doc, null, doc, new Date());
    }
    await batch.commit();
  }
  const seedMs = Date.now() - seeded;

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
