/**
 * Teams in the Studio, in Debian's Chromium: the first user creates a team, invites a second user
 * and mints a runner token on the Team page; the second user accepts through the copied link and
 * sees the team's runner and a job the first user queued; switching teams switches the data.
 */
import assert from "node:assert/strict";
import type { Browser } from "playwright-core";
import {
  closeStudio,
  goTo,
  launchBrowser,
  openStudio,
  screenshot,
  signIn,
  textOf,
  warmFunctions,
  STUDIO_URL,
  type StudioPage,
} from "../e2e/browser";
import { createUser } from "../harness/fixtures";
import { adminDb, call } from "../harness/stack";

describe("Studio (browser): teams", function () {
  let browser: Browser;
  const open: StudioPage[] = [];

  before(async function () {
    // Booting every function the pages use, one worker each, on a busy 2-core machine.
    this.timeout(600_000);
    browser = await launchBrowser();
    await warmFunctions();
    // The team routes this test's pages use, booted once (unauthenticated: 401 at once).
    for (const path of [
      "/teams",
      "/teams/warm",
      "/teams/warm/members",
      "/teams/warm/invitations",
      "/teams/warm/runner-tokens",
      "/teams/warm/invitations/warm/accept",
    ]) {
      await (
        await fetch(`${STUDIO_URL.replace(/\/dashboard\/$/, "")}${path}`, {
          method: path.endsWith("accept") ? "POST" : "GET",
        })
      ).arrayBuffer();
    }
  });

  after(async () => {
    for (const studio of open) assert.deepEqual(await closeStudio(studio), [], "the page logged no script errors");
    await browser?.close();
  });

  it("invites a second user who accepts and sees the team's runners and jobs; switching teams switches the data", async function () {
    this.timeout(240_000);
    const [alice, bob] = await Promise.all([createUser(), createUser()]);
    const a = await openStudio(browser);
    open.push(a);
    await signIn(a, alice);
    await a.page.getByRole("navigation", { name: "Sections" }).getByRole("link", { name: "Team" }).click();
    await a.page.getByRole("heading", { level: 1, name: /^Team/ }).waitFor();

    // A new team; the switcher moves to it.
    await a.page.getByRole("form", { name: "Create a team" }).getByLabel("Name").fill("Platform");
    await a.page.getByRole("button", { name: "Create team" }).click();
    await a.page.getByRole("heading", { level: 1, name: "Team: Platform" }).waitFor();
    const teamId = await a.page.getByLabel("Team", { exact: true }).inputValue();
    assert.notEqual(teamId, alice.uid);

    // Invite Bob; the accept link is there to copy.
    await a.page.getByRole("form", { name: "Invite someone" }).getByLabel("Email").fill(bob.email);
    await a.page.getByRole("form", { name: "Invite someone" }).getByLabel("Role").selectOption("member");
    await a.page.getByRole("button", { name: "Invite" }).click();
    const link = await a.page.getByRole("region", { name: "Accept link" }).getByRole("textbox").inputValue();
    assert.match(link, new RegExp(`/dashboard/accept/${teamId}/[A-Za-z0-9]+$`));

    // A runner token, shown once; a fleet runner registers with it.
    await a.page.getByRole("form", { name: "Create a runner token" }).getByLabel("Name").fill("build farm");
    await a.page.getByRole("button", { name: "Create runner token" }).click();
    const box = a.page.getByRole("region", { name: "runner token", exact: true });
    const token = await box.getByRole("textbox", { name: "runner token", exact: true }).inputValue();
    assert.match(await textOf(box), /shown only once/);
    const registered = await call("POST", "/api/runners/register", {
      headers: { "x-api-key": token, "x-runner-id": "team-box", "x-runner-name": "Team box" },
    });
    assert.equal(registered.status, 200, JSON.stringify(registered.body));
    await box.getByRole("button", { name: "I've stored it" }).click();
    await a.page.getByRole("list", { name: "Runner tokens" }).getByText("build farm").waitFor();
    await screenshot(a.page, "team");

    // Alice queues a job in the team (the Studio's Jobs page lists; jobs are queued through the API).
    const job = await call<{ id: string }>("POST", `/teams/${teamId}/jobs`, {
      token: alice.idToken,
      body: { type: "release", workflowPath: "w.md", params: {} },
    });
    assert.equal(job.status, 201, JSON.stringify(job.body));

    // Bob opens the link, signs in, accepts, and lands in the team.
    const b = await openStudio(browser);
    open.push(b);
    await signIn(b, bob);
    await b.page.goto(link);
    await b.page.getByRole("button", { name: "Accept invitation" }).click();
    await b.page.getByRole("heading", { level: 1, name: "Runners" }).waitFor();
    await b.page.locator('.runner-card[data-runner-id="team-box"]').waitFor();
    assert.equal(await b.page.getByLabel("Team", { exact: true }).inputValue(), teamId);
    await goTo(b.page, "Jobs");
    await b.page.locator(".jobs-table tbody tr").filter({ hasText: "release" }).waitFor();
    assert.equal(
      (await adminDb().collection("teams").doc(teamId).collection("members").doc(bob.uid).get()).get("role"),
      "member",
    );

    // Switching to Bob's personal team switches the data: no runner, no job.
    await b.page.getByLabel("Team", { exact: true }).selectOption(bob.uid);
    await b.page.getByText("No jobs yet.").waitFor();
    await goTo(b.page, "Runners");
    await b.page.getByText("No runners have registered yet.").waitFor();
    assert.equal(await b.page.locator(".runner-card").count(), 0);
    // And back.
    await b.page.getByLabel("Team", { exact: true }).selectOption(teamId);
    await b.page.locator('.runner-card[data-runner-id="team-box"]').waitFor();
    await screenshot(b.page, "team-runners");
  });
});
