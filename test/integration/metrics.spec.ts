/**
 * `GET /api/metrics` (issue 20) against the local stack: 30 jobs over 2 queues, some leased, some
 * finished, one lease lapsed and reaped; both formats say exactly what the stored jobs say, and an
 * empty team's scrape's billed reads (the offline Firestore's counters) stay within budget.
 */
import assert from "node:assert/strict";
import { metricsAnswerSchema, type MetricsAnswer } from "../../contract/src/metrics";
import { bucketOf, gaugeStateOfJob, outcomeOf, quantileOf, queueLabel } from "../../functions/src/core/metrics/model";
import type { JobDoc } from "../../functions/src/core/jobs/model";
import { createApiKey, sleep } from "../harness/fixtures";
import { TEST_FUNCTION_ENV } from "../harness/hooks";
import { adminDb, API_BASE, call, createUser, STACK_LOG } from "../harness/stack";
import { PORTS } from "../../scripts/stack";
import { serveFunctionsInProcess } from "../harness/inProcess";
import { jobBody, jobsUser, warmUp, type Leased } from "./jobs-fixtures";

const LEASE_MS = Number(TEST_FUNCTION_ENV.JOB_LEASE_MS);
/**
 * Issue 20: a scrape of a team with no jobs costs at most this many billed reads, authentication
 * included (with jobs, reads grow with its queues and jobs: docs/metrics.md states the bound).
 */
const SCRAPE_READ_BUDGET = 20;

async function documentReads(): Promise<number> {
  const host = process.env.FIRESTORE_EMULATOR_HOST ?? `127.0.0.1:${PORTS.firestore}`;
  const response = await fetch(`http://${host}/emulator/v1/stats`);
  return ((await response.json()) as { documentReads: number }).documentReads;
}

/** Parses the text format into `name{labels}` → value. */
function parseText(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const at = line.lastIndexOf(" ");
    out.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return out;
}

describe("metrics: GET /api/metrics", () => {
  // Leases and ends are served in this process: an emulator worker booting mid-test (seconds on
  // two cores) would outlast the test's 4 s leases. Scrapes go through Hosting and the emulator.
  let fast: Awaited<ReturnType<typeof serveFunctionsInProcess>> | undefined;
  after(async () => {
    await fast?.stop();
  });

  before(async function () {
    this.timeout(300_000);
    // A cold boot may drop the first connection: one more try.
    await warmUp([["/jobs", 1]]).catch(() => warmUp([["/jobs", 1]]));
    await warmUp([["/api/keys", 1]]);
    // Fired with nothing to reap: boots the sweep's worker before the test times a lease.
    await STACK_LOG.fireScheduled("reapExpiredLeases");
    fast = await serveFunctionsInProcess();
    const cold = await call("GET", "/api/metrics", { timeoutMs: 120_000 });
    assert.equal(cold.status, 401);
  });

  it("matches the stored jobs exactly, as text and as JSON", async function () {
    this.timeout(120_000);
    // Arranged in this process too (a burst of creates would boot emulator workers for a minute).
    const base = fast?.base;
    const user = await createUser();
    const key = async (scopes: string[]) => {
      const made = await call<{ key: string }>("POST", "/api/keys", {
        base,
        token: user.idToken,
        body: { name: scopes.join(" "), scopes },
      });
      assert.equal(made.status, 201, JSON.stringify(made.body));
      return made.body.key;
    };
    const [runnerKey, readKey] = [await key(["runners:write"]), await key(["runners:read"])];
    const leaseJobs = async (runnerId: string, body: Record<string, unknown>): Promise<Leased[]> => {
      const response = await call<{ jobs: Leased[] }>("POST", "/jobs/runner/lease", {
        base,
        token: runnerKey,
        body: { runnerId, ...body },
      });
      assert.equal(response.status, 200, JSON.stringify(response.body));
      return response.body.jobs;
    };
    const end = (job: Leased, runnerId: string, action: string, body: Record<string, unknown>) =>
      call("POST", `/jobs/${job.id}/runner/${action}`, {
        base,
        token: runnerKey,
        body: { runnerId, leaseToken: job.leaseToken, ...body },
      });
    // gpu jobs back off an hour after a lapsed lease, job 28 waits an hour before its first: both
    // count as delayed, not pending. Job 29 waits 1.5 s: the reaper below moves it to pending.
    const HOUR = 3_600_000;
    for (let i = 0; i < 30; i++) {
      const body = jobBody({
        ...(i % 2 === 0 ? { tags: ["gpu"], backoffMs: HOUR } : {}),
        ...(i === 28 ? { delayMs: HOUR } : i === 29 ? { delayMs: 1_500 } : {}),
      });
      const created = await call("POST", "/jobs", { base, token: user.idToken, body });
      assert.equal(created.status, 201, JSON.stringify(created.body));
    }
    // One lease that lapses: taken first, left alone past its length, then reaped.
    const [lapsing] = await leaseJobs("lapsing", { tags: ["gpu"], limit: 1 });
    assert.ok(lapsing);
    await sleep(LEASE_MS + 500);
    await STACK_LOG.fireScheduled("reapExpiredLeases");
    // Four leased and ended (three succeed, one fails).
    const ending = await leaseJobs("finisher", { tags: ["gpu"], limit: 4 });
    assert.equal(ending.length, 4);
    for (const [i, job] of ending.entries()) {
      const action = i === 3 ? "fail" : "complete";
      const body = i === 3 ? { error: "boom" } : { result: { ok: true } };
      const done = await end(job, "finisher", action, body);
      assert.equal(done.status, 200, JSON.stringify(done.body));
    }
    // Six leased and left held (their leases lapse too, but nobody reaps them before we look).
    assert.equal((await leaseJobs("worker", { tags: ["gpu"], limit: 6 })).length, 6);

    const storedJobs = async () =>
      (await adminDb().collection("jobs").where("teamId", "==", user.uid).get()).docs.map((d) => d.data() as JobDoc);
    // The stack's own reaper may fire while we look: then look again.
    let stored: JobDoc[] = [];
    let metrics: MetricsAnswer | undefined;
    let samples = new Map<string, number>();
    for (let attempt = 0; attempt < 3; attempt++) {
      stored = await storedJobs();
      const json = await call<MetricsAnswer>("GET", "/api/metrics", {
        token: user.idToken,
        headers: { accept: "application/json" },
      });
      assert.equal(json.status, 200, JSON.stringify(json.body));
      metrics = metricsAnswerSchema.parse(json.body);
      const text = await fetch(`${API_BASE}/api/metrics`, { headers: { authorization: `Bearer ${readKey}` } });
      assert.equal(text.status, 200);
      assert.equal(text.headers.get("content-type"), "text/plain; version=0.0.4; charset=utf-8");
      samples = parseText(await text.text());
      if (JSON.stringify(await storedJobs()) === JSON.stringify(stored)) break;
    }
    assert.ok(metrics);
    assert.equal(stored.length, 30);
    assert.equal(stored.filter((j) => j.attempts === 1).length, 1, "one lease lapsed and was reaped");
    assert.equal(stored.filter((j) => j.status === "LEASED").length, 6);
    // One created with a delay, one backing off after its lapsed lease; the short delay is over.
    assert.equal(stored.filter((j) => j.status === "PENDING" && (j.runAt ?? null) !== null).length, 2);
    assert.equal(
      metrics.queues.reduce((n, q) => n + q.jobs.delayed, 0),
      2,
    );

    const labels = [...new Set(stored.map(queueLabel))].sort();
    assert.deepEqual(labels, ["jobs", "jobs[gpu]"]);
    assert.deepEqual(
      metrics.queues.map((q) => q.queue),
      labels,
    );
    for (const q of metrics.queues) {
      const mine = stored.filter((j) => queueLabel(j) === q.queue);
      const count = (pred: (j: JobDoc) => boolean) => mine.filter(pred).length;
      const expected = {
        pending: count((j) => gaugeStateOfJob(j) === "pending"),
        delayed: count((j) => gaugeStateOfJob(j) === "delayed"),
        leased: count((j) => gaugeStateOfJob(j) === "leased"),
        paused: count((j) => gaugeStateOfJob(j) === "paused"),
      };
      assert.deepEqual(q.jobs, expected, q.queue);
      const finished = {
        succeeded: count((j) => outcomeOf(j.status) === "succeeded"),
        failed: count((j) => outcomeOf(j.status) === "failed"),
        cancelled: count((j) => outcomeOf(j.status) === "cancelled"),
      };
      assert.deepEqual(q.finished, finished, q.queue);
      const expirations = mine.reduce((n, j) => n + j.attempts, 0);
      assert.equal(q.leaseExpirations, expirations);
      const waits: Record<string, number> = {};
      for (const j of mine) {
        if (j.startedAt === null) continue;
        const key = `b${bucketOf((j.startedAt.toMillis() - j.enqueuedAt.toMillis()) / 1000)}`;
        waits[key] = (waits[key] ?? 0) + 1;
      }
      const wait = { p50: quantileOf(waits, 0.5), p90: quantileOf(waits, 0.9), p99: quantileOf(waits, 0.99) };
      assert.deepEqual(q.waitSeconds, { count: count((j) => j.startedAt !== null), ...wait }, q.queue);
      assert.equal(
        q.runSeconds.count,
        count((j) => outcomeOf(j.status) !== null),
        q.queue,
      );

      // The text format says the same.
      const at = (name: string, labels: string) => samples.get(`${name}{queue="${q.queue}"${labels}}`);
      for (const [status, n] of Object.entries(expected))
        assert.equal(at("runnerplane_jobs", `,status="${status}"`), n, `${q.queue} ${status}`);
      for (const [outcome, n] of Object.entries(finished))
        assert.equal(at("runnerplane_jobs_finished_total", `,outcome="${outcome}"`), n);
      assert.equal(at("runnerplane_lease_expirations_total", ""), expirations);
      assert.equal(at("runnerplane_job_wait_seconds", `,quantile="0.9"`), wait.p90 ?? NaN);
      assert.equal(at("runnerplane_job_run_seconds_count", ""), q.runSeconds.count);
    }
    assert.equal(samples.get('runnerplane_runner_slots{state="busy"}'), 0);
  });

  it("costs a fixed handful of billed reads", async function () {
    this.timeout(60_000);
    const { user } = await jobsUser();
    const readKey = (await createApiKey(user, ["runners:read"], "metrics")).key;
    await call("GET", "/api/metrics", { token: readKey });
    // Other work on the stack (scheduled sweeps) reads too: the least of three scrapes is ours.
    const costs: number[] = [];
    for (let i = 0; i < 3; i++) {
      const before = await documentReads();
      const response = await call("GET", "/api/metrics", { token: readKey });
      assert.equal(response.status, 200);
      costs.push((await documentReads()) - before);
    }
    console.log(`      billed reads per scrape over HTTP (auth included): ${costs.join(", ")}`);
    assert.ok(Math.min(...costs) <= SCRAPE_READ_BUDGET, `billed reads per scrape: ${costs.join(", ")}`);
  });

  it("refuses a bad query, a key without runners:read, and no credentials", async () => {
    const { user, writeKey } = await jobsUser();
    const bad = await call("GET", "/api/metrics?history=yes", { token: user.idToken });
    assert.equal(bad.status, 400);
    assert.equal((bad.body as { error: string }).error, "INVALID_REQUEST");
    assert.equal((await call("GET", "/api/metrics", { token: writeKey })).status, 403);
    assert.equal((await call("GET", "/api/metrics")).status, 401);
  });
});
