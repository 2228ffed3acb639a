/**
 * examples/autoscale against the local stack: with no runner, jobs arrive; the autoscaler reads
 * `GET /api/metrics`, starts reference-runner processes up to its maximum, the runners do the
 * jobs, and once the queue is empty it stops them all: 0 → N → 0.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { Autoscaler, processLauncher } from "../../examples/autoscale/autoscale";
import { ROOT } from "../../scripts/stack";
import { createApiKey, sleep } from "../harness/fixtures";
import { adminDb, API_BASE, STACK_LOG } from "../harness/stack";
import { createJob, jobsUser, warmUp } from "./jobs-fixtures";
import { testDir } from "./runner-fixtures";

const JOBS = 4;
const MAX_RUNNERS = 2;

describe("examples/autoscale: 0 → N → 0 runners as jobs come and go", () => {
  before(async function () {
    this.timeout(300_000);
    // The runner's routes, booted first: a cold worker can outlast the tests' 4 s leases.
    await warmUp([
      ["/jobs", 1],
      ["/jobs/runner/lease", 2],
      ["/jobs/x/runner/heartbeat", 2],
      ["/jobs/x/runner/logs", 2],
      ["/jobs/x/runner/complete", 2],
    ]);
  });

  it("starts runners while jobs wait and stops them once the queue is empty", async function () {
    this.timeout(240_000);
    const { user } = await jobsUser();
    const key = (await createApiKey(user, ["runners:read", "runners:write"], "autoscaler")).key;
    const output: string[] = [];
    const scaler = new Autoscaler({
      api: API_BASE,
      token: key,
      queues: ["jobs"],
      policy: { min: 0, max: MAX_RUNNERS, concurrency: 1, targetP90: 30, scaleDownTicks: 1 },
      launcher: processLauncher({
        api: API_BASE,
        token: key,
        dir: testDir(),
        config: {
          name: "autoscaled",
          concurrency: 1,
          pollMs: 500,
          heartbeatMs: 1000,
          jobs: { hello: { command: ["node", join(ROOT, "examples", "jobs", "hello.js")] } },
        },
        onOutput: (id, line) => output.push(`${id}: ${line}`),
      }),
    });
    const sizes: number[] = [];
    try {
      await scaler.tick();
      assert.equal(scaler.size, 0, "no jobs, no runners");
      for (let i = 0; i < JOBS; i++) await createJob(user.idToken, { type: "hello", params: { name: `n${i}` } });
      const deadline = Date.now() + 180_000;
      let done = false;
      for (let tick = 1; Date.now() < deadline; tick++) {
        // Production's reaper, every 5 ticks (the test stack runs no scheduler): a lease lost on a
        // loaded machine (a late heartbeat) comes back after its backoff, and the scaler sees it.
        if (tick % 5 === 0) await STACK_LOG.fireScheduled("reapExpiredLeases");
        await scaler.tick();
        sizes.push(scaler.size);
        const stored = await adminDb().collection("jobs").where("teamId", "==", user.uid).get();
        done = stored.docs.every((d) => d.get("status") === "SUCCEEDED");
        if (done && scaler.size === 0) break;
        await sleep(1000);
      }
      assert.ok(done, `every job succeeded; runner output:\n${output.slice(-30).join("\n")}`);
    } finally {
      await scaler.stopAll();
    }
    assert.equal(Math.max(...sizes), MAX_RUNNERS, `runners per tick: ${sizes.join(" ")}`);
    assert.equal(sizes[sizes.length - 1], 0, `back to none: ${sizes.join(" ")}`);
    console.log(`      runners per tick: ${sizes.join(" ")}`);
  });
});
