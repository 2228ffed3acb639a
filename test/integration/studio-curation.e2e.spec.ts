/**
 * Seed 002's curation in the Studio, in Debian's Chromium: an owner adds a webhook (its secret
 * shown once) and sees its deliveries, verified with their job and refused with the reason, and
 * redelivers one; a job's insights are edited, approved and deleted; a runner's proposal is read
 * and approved, and the file gets it as its next version.
 */
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import type { Browser } from "playwright-core";
import {
  closeStudio,
  goTo,
  launchBrowser,
  openStudio,
  screenshot,
  signIn,
  textOf,
  waitForText,
  warmFunctions,
  STUDIO_URL,
  type StudioPage,
} from "../e2e/browser";
import { createUser } from "../harness/fixtures";
import { adminDb, call } from "../harness/stack";
import { createJob, leaseOne, warmUp } from "./jobs-fixtures";
import { runnerToken } from "./teams-fixtures";

describe("Studio (browser): webhooks, insights and proposals", function () {
  let browser: Browser;
  const open: StudioPage[] = [];

  before(async function () {
    this.timeout(600_000);
    browser = await launchBrowser();
    await warmFunctions();
    await warmUp([
      ["/teams", 1],
      ["/teams/warm/members", 1],
      ["/teams/warm/runner-tokens", 1],
      ["/teams/warm/webhooks", 1],
      ["/teams/warm/webhooks/up", 1],
      ["/teams/warm/webhooks/up/deliveries", 1],
      ["/teams/warm/webhooks/up/deliveries/x/redeliver", 1],
      ["/webhook/warm/up", 1],
      ["/jobs/x/insights/y", 1],
      ["/jobs/x/insights/y/approve", 1],
      ["/jobs/x/runner/insights", 1],
      ["/jobs/x/runner/proposals", 1],
      ["/proposals", 1],
      ["/proposals/x", 1],
      ["/proposals/x/approve", 1],
      ["/intelligence/file", 1],
    ]);
  });

  after(async () => {
    for (const studio of open) assert.deepEqual(await closeStudio(studio), [], "the page logged no script errors");
    await browser?.close();
  });

  it("adds a webhook, shows verified and refused deliveries with the reason, and redelivers one", async function () {
    this.timeout(240_000);
    const owner = await createUser();
    const s = await openStudio(browser);
    open.push(s);
    await signIn(s, owner);
    await s.page.getByRole("navigation", { name: "Sections" }).getByRole("link", { name: "Team" }).click();
    const form = s.page.getByRole("form", { name: "Add a webhook" });
    await form.getByLabel("Plugin id").fill("github");
    await form.getByLabel("Provider").selectOption("github");
    await form.getByRole("button", { name: "Add webhook" }).click();
    const reveal = s.page.getByRole("region", { name: "webhook secret of github" });
    const secret = await reveal.getByRole("textbox").inputValue();
    assert.match(secret, /^.{43,}$/, "at least 256 bits");
    assert.match(await textOf(reveal), /shown only once/);
    await reveal.getByRole("button", { name: "I've stored it" }).click();
    assert.equal(await s.page.getByRole("region", { name: "webhook secret of github" }).count(), 0);

    const body = Buffer.from('{"action":"opened"}');
    const send = (signature: string, id: string) =>
      call<{ jobId: string }>("POST", `/webhook/${owner.uid}/github`, {
        rawBody: body,
        headers: { "content-type": "application/json", "x-hub-signature-256": signature, "x-github-delivery": id },
      });
    const good = await send(`sha256=${createHmac("sha256", secret).update(body).digest("hex")}`, "d-good");
    assert.equal(good.status, 202, JSON.stringify(good.body));
    assert.equal((await send(`sha256=${"0".repeat(64)}`, "d-bad")).status, 401);

    await s.page.reload();
    const hook = s.page.getByRole("group", { name: "Webhook github" });
    const rows = hook.getByRole("table", { name: "Deliveries" }).locator("tbody tr");
    await waitForText(rows.filter({ hasText: "d-bad" }), /refused: the signature does not match the body/);
    const verified = rows.filter({ hasText: "d-good" });
    assert.match(await textOf(verified), new RegExp(`verified ${good.body.jobId}`));
    assert.equal(await rows.filter({ hasText: "d-bad" }).getByRole("button", { name: "Redeliver" }).count(), 0);
    await verified.getByRole("button", { name: "Redeliver" }).click();
    await waitForText(rows.filter({ hasText: "redelivery" }), /verified \(redelivery\)/);
    const jobs = await adminDb().collection("jobs").where("teamId", "==", owner.uid).get();
    assert.equal(jobs.docs.filter((d) => d.get("kind") === "webhook").length, 2, "the redelivery queued a job");
    await screenshot(s.page, "webhooks");
  });

  it("curates a job's insights and approves a runner's proposal, applied as the file's next version", async function () {
    this.timeout(240_000);
    const owner = await createUser();
    const runner = await runnerToken(owner, owner.uid, ["jobs:read"]);
    await call("PUT", "/intelligence/file?path=rules.md", {
      token: owner.idToken,
      body: { content: "# Rules\n- one\n" },
    });
    const job = await createJob(owner.idToken);
    const leased = await leaseOne(runner.token, "r1");
    const held = { runnerId: "r1", leaseToken: leased.leaseToken };
    for (const summary of ["Flaky suite", "Slow <b>build</b>"]) {
      const posted = await call("POST", `/jobs/${job.id}/runner/insights`, {
        token: runner.token,
        body: { ...held, phase: "test", category: "ci", summary, detail: "Seen twice.\nAgain." },
      });
      assert.equal(posted.status, 201, JSON.stringify(posted.body));
    }
    const proposed = await call<{ proposal: { proposalId: string } }>("POST", `/jobs/${job.id}/runner/proposals`, {
      token: runner.token,
      body: { ...held, path: "rules.md", rationale: "Runs showed it.", content: "# Rules\n- one\n- two\n" },
    });
    assert.equal(proposed.status, 201, JSON.stringify(proposed.body));

    const s = await openStudio(browser);
    open.push(s);
    await signIn(s, owner);
    await s.page.goto(`${STUDIO_URL}jobs/${job.id}`);
    const list = s.page.getByRole("list", { name: "Insights" });
    const flaky = list.getByRole("listitem", { name: "Insight: Flaky suite" });
    await flaky.waitFor();
    // A runner's markup is text, never markup.
    assert.equal(await list.getByRole("listitem", { name: "Insight: Slow <b>build</b>" }).locator("b").count(), 0);
    await flaky.getByRole("button", { name: "Edit summary" }).click();
    await flaky.getByRole("textbox", { name: "Summary" }).fill("Flaky auth suite");
    await flaky.getByRole("button", { name: "Save" }).click();
    const edited = list.getByRole("listitem", { name: "Insight: Flaky auth suite" });
    await edited.getByRole("button", { name: "Approve" }).click();
    await waitForText(edited, new RegExp(`approved by ${owner.uid}`));
    const slow = list.getByRole("listitem", { name: "Insight: Slow <b>build</b>" });
    await slow.getByRole("button", { name: "Delete" }).click();
    await slow.getByRole("button", { name: "Really delete" }).click();
    await waitForText(list, /^(?!.*Slow).*Flaky auth suite/);
    const stored = await call<{ insights: { summary: string; status: string; decidedBy: string }[] }>(
      "GET",
      `/jobs/${job.id}/insights`,
      { token: owner.idToken },
    );
    assert.deepEqual(
      stored.body.insights.map((i) => [i.summary, i.status, i.decidedBy]),
      [["Flaky auth suite", "approved", owner.uid]],
    );
    await screenshot(s.page, "insights");

    await goTo(s.page, "Proposals");
    const proposal = s.page.getByRole("region", { name: "tenant: rules.md" });
    await proposal.getByRole("button", { name: "Show the change" }).click();
    assert.match(await textOf(proposal.getByLabel("Proposed change")), /- one - two/);
    await proposal.getByLabel("Note (optional)").fill("Agreed");
    await proposal.getByRole("button", { name: "Approve and apply" }).click();
    await s.page.getByText("No pending proposals.").waitFor();
    const file = await call<{ content: string; version: number }>("GET", "/intelligence/file?path=rules.md", {
      token: owner.idToken,
    });
    assert.equal(file.body.content, "# Rules\n- one\n- two\n");
    assert.equal(file.body.version, 2);
    await screenshot(s.page, "proposals");
  });
});
