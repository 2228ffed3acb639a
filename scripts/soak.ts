/**
 * `npm run soak`: the long soak. Starts its own stack (test lease lengths), runs a few minutes
 * of runners and Studio readers on loopback, bounded in time and requests, and audits every job.
 * Exits non-zero on any problem. SOAK_MS, SOAK_RUNNERS, SOAK_JOBS tune it.
 */
import { TEST_FUNCTION_ENV } from "../test/harness/hooks";
import { runSoak } from "../test/harness/soak";
import { buildAndLock, parseCli } from "./cli";
import { startStack } from "./stack";

const USAGE = `
Usage: npm run soak [-- --help]

The long soak: builds, starts its own throwaway stack (test lease lengths, loopback only), runs
runners and Studio readers against it for a few minutes, bounded in time and requests, then
audits every job. Exits non-zero on any problem. Takes about 4 minutes.

Environment: SOAK_MS (default 240000), SOAK_RUNNERS (24), SOAK_JOBS (150).
`;

async function main(): Promise<void> {
  parseCli(USAGE, {});
  buildAndLock();
  const stack = await startStack({
    dataDir: null,
    scheduler: false,
    functionEnv: TEST_FUNCTION_ENV,
    log: () => undefined,
  });
  try {
    const report = await runSoak({
      runners: Number(process.env.SOAK_RUNNERS ?? 24),
      readers: 6,
      jobs: Number(process.env.SOAK_JOBS ?? 150),
      durationMs: Number(process.env.SOAK_MS ?? 240_000),
      maxRequests: 40_000,
      reapEveryMs: 2_000,
      fireReaper: () => stack.fireScheduled("reapExpiredLeases"),
    });
    console.log(JSON.stringify({ ...report, completedAcks: report.completedAcks.size }, null, 2));
    if (report.problems.length > 0 || report.serverErrors > 0) process.exitCode = 1;
  } finally {
    await stack.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
