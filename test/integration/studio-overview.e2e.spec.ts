/**
 * The Studio's Overview (issue 20), in Debian's Chromium: with jobs queued over two queues, some
 * leased and ended, the page shows each queue's numbers exactly as `GET /api/metrics` gives them,
 * draws its charts, and is screenshotted (test-results/screenshots/overview.png).
 */
import assert from "node:assert/strict";
import type { Browser } from "playwright-core";
import type { MetricsAnswer } from "../../contract/src/metrics";
import {
  closeStudio,
  launchBrowser,
  openStudio,
  screenshot,
  signIn,
  textOf,
  warmFunctions,
  type StudioPage,
} from "../e2e/browser";
import { serveFunctionsInProcess } from "../harness/inProcess";
import { call } from "../harness/stack";
import { createJob, jobsUser, type Leased } from "./jobs-fixtures";

/** The routes this test and the Overview call. */
const ROUTES_USED = ["GET /api/metrics", "GET /teams", "POST /jobs"];

describe("Studio (browser): Overview", function () {
  let browser: Browser;
  let studio: StudioPage | undefined;
  // The runner's lease and ends are served in this process: a cold emulator worker would outlast
  // the test's 4 s leases.
  let fast: Awaited<ReturnType<typeof serveFunctionsInProcess>> | undefined;

  before(async function () {
    this.timeout(300_000);
    browser = await launchBrowser();
    fast = await serveFunctionsInProcess();
    await warmFunctions(ROUTES_USED);
  });

  after(async () => {
    const problems = await closeStudio(studio);
    await browser?.close();
    await fast?.stop();
    assert.deepEqual(problems, [], "the page logged no script errors");
  });

  it("is the home page and shows each queue's numbers, charts and utilisation", async function () {
    this.timeout(180_000);
    const { user, runnerKey } = await jobsUser();
    for (let i = 0; i < 8; i++) await createJob(user.idToken, i % 2 === 0 ? { tags: ["gpu"] } : {});
    const base = fast?.base;
    const lease = await call<{ jobs: Leased[] }>("POST", "/jobs/runner/lease", {
      base,
      token: runnerKey,
      body: { runnerId: "r1", tags: ["gpu"], limit: 3 },
    });
    assert.equal(lease.body.jobs.length, 3);
    const [ok, bad] = lease.body.jobs;
    assert.ok(ok !== undefined && bad !== undefined);
    const end = (job: Leased, action: string, body: Record<string, unknown>) =>
      call("POST", `/jobs/${job.id}/runner/${action}`, {
        base,
        token: runnerKey,
        body: { runnerId: "r1", leaseToken: job.leaseToken, ...body },
      });
    assert.equal((await end(ok, "complete", { result: {} })).status, 200);
    assert.equal((await end(bad, "fail", { error: "x" })).status, 200);

    const answer = await call<MetricsAnswer>("GET", "/api/metrics", {
      token: user.idToken,
      headers: { accept: "application/json" },
    });
    assert.equal(answer.status, 200);
    studio = await openStudio(browser);
    const { page } = studio;
    await signIn(studio, user);
    assert.equal(new URL(page.url()).pathname, "/dashboard/overview");
    for (const q of answer.body.queues) {
      const row = page.locator(`tr[data-queue="${q.queue}"]`);
      await row.waitFor();
      assert.equal(await textOf(row.locator('[data-metric="pending"]')), String(q.jobs.pending), q.queue);
      assert.equal(await textOf(row.locator('[data-metric="leased"]')), String(q.jobs.leased), q.queue);
      assert.equal(await textOf(row.locator('[data-metric="succeeded"]')), String(q.finished.succeeded));
      assert.equal(await textOf(row.locator('[data-metric="failed"]')), String(q.finished.failed));
    }
    const total = answer.body.queues.reduce((n, q) => n + q.jobs.pending + q.jobs.leased, 0);
    assert.equal(total, 6, "8 queued, 2 ended");
    for (const chart of ["depth", "wait", "slots", "failures"])
      assert.equal(await page.locator(`[data-chart="${chart}"] svg`).count(), 1, `${chart} chart drawn`);
    assert.match(await textOf(page.locator('[data-metric="failures"]')), /Failed\s*1/);
    await screenshot(page, "overview");
  });
});
