/**
 * Seed 002's New Run chat in the Studio, in Debian's Chromium: with no runner of the team
 * offering an LLM the page says so; with the reference runner and its offline fake LLM online,
 * the answer streams into the page as it is written and the turn ends with its usage.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { ROOT } from "../../scripts/stack";
import {
  closeStudio,
  launchBrowser,
  openStudio,
  screenshot,
  signIn,
  waitForText,
  warmFunctions,
  type StudioPage,
} from "../e2e/browser";
import { eventually } from "../harness/fixtures";
import { adminDb, call } from "../harness/stack";
import { jobsUser } from "./jobs-fixtures";
import { endRunnerTest, startRunner, testDir, type RunnerProcess } from "./runner-fixtures";

describe("Studio (browser): New run chat", function () {
  let browser: Browser;
  const open: StudioPage[] = [];
  let runner: RunnerProcess | undefined;
  let dir = "";

  before(async function () {
    this.timeout(600_000);
    browser = await launchBrowser();
    await warmFunctions();
    // The runner-side calls of a turn: a cold worker mid-turn would outlast the tests' 4 s lease.
    for (const path of [
      "/intake/stream",
      "/jobs/runner/lease",
      "/jobs/x/runner/heartbeat",
      "/jobs/x/runner/tokens",
      "/jobs/x/runner/complete",
      "/test/llm",
    ]) {
      const response = await call("POST", path, { body: {}, timeoutMs: 120_000 });
      assert.equal(response.status, 401, `${path}: ${response.status}`);
    }
  });

  afterEach(function () {
    endRunnerTest(this, runner, dir);
  });

  after(async () => {
    for (const studio of open) assert.deepEqual(await closeStudio(studio), [], "the page logged no script errors");
    await browser?.close();
  });

  it("says no LLM runner is online, then streams the fake LLM's answer once one is", async function () {
    this.timeout(240_000);
    const owner = await jobsUser();
    const s = await openStudio(browser);
    open.push(s);
    await signIn(s, owner.user);
    await s.page.getByRole("navigation", { name: "Sections" }).getByRole("link", { name: "New run" }).click();
    const message = s.page.getByLabel("Message");
    await message.fill("Add rate limiting to /api/users");
    await s.page.getByRole("button", { name: "Send" }).click();
    await waitForText(s.page.getByRole("alert"), /No runner with an LLM is online/);

    dir = testDir();
    runner = startRunner({
      id: "studio-llm",
      dir,
      token: owner.runnerKey,
      config: {
        pollMs: 250,
        llm: { command: ["node", join(ROOT, "examples", "jobs", "fake-llm.js")], env: { FAKE_LLM_DELAY_MS: "150" } },
      },
    });
    await eventually(
      async () =>
        (await adminDb().collection("teams").doc(owner.user.uid).collection("runnerPresence").doc("studio-llm").get())
          .exists
          ? true
          : undefined,
      30_000,
      "the runner's presence",
    );
    // One turn through the runner first, outside the page: its functions' first real calls.
    assert.equal(
      (await call("POST", "/test/llm", { token: owner.user.idToken, body: { prompt: "warm" } })).status,
      200,
    );

    await s.page.getByRole("button", { name: "New conversation" }).click();
    await message.fill("Add rate limiting to /api/users");
    await s.page.getByRole("button", { name: "Send" }).click();
    // Part of the answer is on the page while the rest is still being written.
    const streaming = s.page.locator("[data-streaming]");
    await waitForText(streaming, /Here is a plan/);
    const answer = s.page.locator('[data-role="assistant"]:not([data-streaming])');
    const text = await waitForText(answer, /then ship it\./, 60_000);
    assert.match(
      text,
      /Here is a plan for "Add rate limiting to \/api\/users": scope it, write the tests, then ship it\./,
    );
    await waitForText(s.page.locator("[data-usage]"), /tokens in, \d+ out/);
    assert.equal(await s.page.locator('[data-role="user"]').count(), 1);
    await screenshot(s.page, "studio-intake-chat");
  });
});
