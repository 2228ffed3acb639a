/**
 * The Studio end to end: Debian's Chromium (headless, playwright-core) on the build the Hosting
 * emulator serves at /dashboard/, against the same stack as every integration test. Each test
 * signs in through the form, does what a person would, and checks the stored state after.
 * Screenshots go to test-results/screenshots/ (names in README.md, "Studio").
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import type { Browser, Page } from "playwright-core";
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
import { completeWorkspaceJob, JobsRunner, PLAN_MD } from "../e2e/runners";
import { deployed, failedVersion, finishedExecution, warmRunnerRoutes } from "../harness/coderunner";
import { newTenant } from "../harness/controlPlane";
import { createApiKey, createUser, eventually } from "../harness/fixtures";
import { adminDb, call, STACK_LOG } from "../harness/stack";

/** Reads the secret a SecretReveal box shows (runner key or API key), after checking its warning. */
async function revealedSecret(page: Page, label: "runner key" | "API key"): Promise<string> {
  const box = page.getByRole("region", { name: label, exact: true });
  await box.waitFor();
  assert.match(await textOf(box), /shown only once/);
  return box.getByRole("textbox", { name: label, exact: true }).inputValue();
}

describe("Studio (browser)", function () {
  let browser: Browser;
  let studio: StudioPage | undefined;

  before(async function () {
    this.timeout(240_000);
    browser = await launchBrowser();
    await warmFunctions();
  });

  after(async () => {
    await browser?.close();
  });

  afterEach(async function () {
    // A failed test leaves a picture of what the page showed.
    if (this.currentTest?.state === "failed" && studio !== undefined) {
      await screenshot(
        studio.page,
        `failed-${(this.currentTest.title.split(",")[0] ?? "test").replace(/[^A-Za-z0-9]+/g, "-").slice(0, 60)}`,
      ).catch(() => undefined);
    }
    const problems = await closeStudio(studio);
    studio = undefined;
    assert.deepEqual(problems, [], "the page logged no script errors");
  });

  it("signs in with email and password, says in words why a wrong password fails, keeps the session on reload, and signs out", async () => {
    const user = await createUser();
    studio = await openStudio(browser);
    const { page } = studio;
    await page.getByLabel("Password").fill("not-the-password");
    await page.getByLabel("Email").fill(user.email);
    await page.getByRole("button", { name: "Sign in" }).click();
    assert.match(
      await waitForText(page.getByRole("alert"), /match/),
      /That email and password don't match an account\./,
    );
    await screenshot(page, "signin");

    await signIn(studio, user);
    assert.equal(new URL(page.url()).pathname, "/dashboard/overview");
    assert.equal(await textOf(page.locator(".user-email")), user.email);

    // A deep link survives a reload: Hosting rewrites /dashboard/** to the app, and the session persists.
    await page.goto(`${STUDIO_URL}workspaces`);
    await page.getByRole("heading", { level: 1, name: "Workspaces" }).waitFor();

    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("button", { name: "Sign in" }).waitFor();
    await page.reload();
    await page.getByRole("button", { name: "Sign in" }).waitFor();
  });

  it("creates a runner key shown once with a copy button, renames and revokes it, and creates an API key", async () => {
    const user = await createUser();
    studio = await openStudio(browser);
    const { page } = studio;
    await signIn(studio, user);
    await goTo(page, "Runners");
    await page.getByText("No runner keys yet.").waitFor();

    await page.getByLabel("Runner name").fill("laptop");
    await page.getByRole("button", { name: "Create runner key" }).click();
    const token = await revealedSecret(page, "runner key");
    assert.match(token, /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    const box = page.getByRole("region", { name: "runner key", exact: true });
    await box.getByRole("button", { name: "Copy", exact: true }).click();
    await box.getByRole("button", { name: "Copied" }).waitFor();
    assert.equal(await page.evaluate("navigator.clipboard.readText()"), token);
    // The key works as a runner key (nothing queued yet).
    const lease = await call("POST", "/leaseWorkspaceJob", { token, body: {} });
    assert.deepEqual([lease.status, lease.body], [200, { leased: false }]);
    await box.getByRole("button", { name: "I've stored it" }).click();
    await box.waitFor({ state: "detached" });

    // The only key: once renaming, its name is in an input, so it is found by position, not text.
    const card = page.locator(".instance-card").first();
    await waitForText(card.locator(".instance-name"), /^laptop$/);
    await card.getByRole("button", { name: "Rename" }).click();
    await card.getByLabel("New name").fill("desk");
    await card.getByRole("button", { name: "Save" }).click();
    const renamed = page.locator(".instance-card").first();
    await waitForText(renamed.locator(".instance-name"), /^desk$/);
    const credentialId = token.split(".")[0] ?? "";
    assert.equal((await adminDb().collection("credentials").doc(credentialId).get()).get("name"), "desk");

    await renamed.getByRole("button", { name: "Revoke" }).click();
    await renamed.getByRole("button", { name: "Revoke this key" }).click();
    await waitForText(renamed.locator(".badge"), /revoked/i);
    const refused = await call("POST", "/leaseWorkspaceJob", { token, body: {} });
    assert.equal(refused.status, 401, "a revoked key stops working at once");

    await page.getByLabel("Key name").fill("dashboards");
    await page.getByRole("checkbox", { name: "runners:write" }).uncheck();
    await page.getByRole("button", { name: "Create API key" }).click();
    const key = await revealedSecret(page, "API key");
    await page.locator(".key-card").filter({ hasText: "dashboards" }).waitFor();
    const listed = await call("GET", "/api/runners", { headers: { "x-api-key": key } });
    assert.equal(listed.status, 200, "the new key reads runners (runners:read)");
    const register = await call("POST", "/api/runners/register", {
      headers: { "x-api-key": key, "x-runner-id": "r1" },
    });
    assert.equal(register.status, 403, "and has no runners:write");
  });

  it("shows a registered runner come online with its heartbeat, jobs and labels, turn busy, and go offline", async function () {
    this.timeout(90_000);
    const user = await createUser();
    studio = await openStudio(browser);
    const { page } = studio;
    await signIn(studio, user);
    await goTo(page, "Runners");
    await page.getByText("No runners have registered yet.").waitFor();

    // The runner's key comes from the Studio, as a person would make it.
    await page.getByLabel("Key name").fill("build box");
    await page.getByRole("button", { name: "Create API key" }).click();
    const key = await revealedSecret(page, "API key");
    const headers = { "x-api-key": key };
    const registered = await call("POST", "/api/runners/register", {
      headers: {
        ...headers,
        "x-runner-id": "build-01",
        "x-runner-name": "Build box",
        "x-runner-version": "1.2.0",
        "x-runner-max-concurrency": "3",
        "x-runner-tags": "gpu,fast",
      },
    });
    assert.equal(registered.status, 200, JSON.stringify(registered.body));

    const card = page.locator('.runner-card[data-runner-id="build-01"]');
    await card.waitFor();
    assert.equal(await card.getAttribute("data-status"), "online");
    assert.match(await textOf(card), /Build box ONLINE build-01 · v1\.2\.0/i);
    assert.match(await textOf(card.locator(".heartbeat")), /just now|\d+ s ago/);
    assert.equal(await textOf(card.locator(".current-jobs")), "0 / 3");
    assert.deepEqual(await card.locator(".labels .chip").allInnerTexts(), ["gpu", "fast"]);

    const beat = await call("POST", "/api/runners/build-01/heartbeat", {
      headers,
      body: { status: "busy", currentJobs: 2 },
    });
    assert.equal(beat.status, 200, JSON.stringify(beat.body));
    await page.locator('.runner-card[data-runner-id="build-01"][data-status="busy"]').waitFor();
    assert.match(await textOf(card.locator(".current-jobs")), /\(reports 2\)/);
    await screenshot(page, "runners");

    // Silence past RUNNER_OFFLINE_AFTER_MS (3 s in tests), then the sweep: the page shows it offline.
    await new Promise((r) => setTimeout(r, 3_500));
    await STACK_LOG.fireScheduled("reapStaleRunners");
    await page.locator('.runner-card[data-runner-id="build-01"][data-status="offline"]').waitFor();
    const stored = await call<{ data: { status: string } }>("GET", "/api/runners/build-01", { headers });
    assert.equal(stored.body.data.status, "offline");
  });

  it("queues a workspace generation that a runner completes with every deliverable kind, rendered where the reply places them", async function () {
    this.timeout(90_000);
    const user = await createUser();
    studio = await openStudio(browser);
    const { page } = studio;
    await signIn(studio, user);
    await goTo(page, "Runners");
    await page.getByRole("button", { name: "Create runner key" }).click();
    const runnerToken = await revealedSecret(page, "runner key");

    await goTo(page, "Workspaces");
    await page.getByText("No workspaces yet.").waitFor();
    await page.getByLabel("Title").fill("Launch plan");
    await page.getByLabel("Idea (optional)").fill("Get Runnerplane to its first hundred users.");
    await page.getByRole("button", { name: "Create workspace" }).click();
    await page.getByRole("heading", { level: 1, name: "Launch plan" }).waitFor();
    const workspaceId = decodeURIComponent(new URL(page.url()).pathname.split("/").pop() ?? "");

    await page.getByLabel("Message", { exact: true }).fill("Plan our launch, with numbers.");
    await page.getByRole("button", { name: "Post message" }).click();
    await page.locator(".message-user").filter({ hasText: "Plan our launch, with numbers." }).waitFor();
    await page.getByLabel("Target").selectOption("user");
    await page.getByRole("button", { name: "Generate reply" }).click();
    await page.locator('.job-bar[data-job-status="PENDING"]').waitFor();
    assert.equal((await adminDb().collection("workspaces").doc(workspaceId).get()).get("activeJobId") !== null, true);

    assert.equal(await completeWorkspaceJob(runnerToken), workspaceId);
    await page.locator('.job-bar[data-job-status="SUCCEEDED"]').waitFor();
    const reply = page.locator(".message-assistant");
    await reply.waitFor();

    // Order: the reply's placeholders decide it; the list nobody referenced comes last.
    const figures = reply.locator("figure.deliverable");
    const order: string[] = [];
    for (let i = 0; i < (await figures.count()); i++) {
      const figure = figures.nth(i);
      order.push(`${await figure.getAttribute("data-kind")}:${await figure.getAttribute("data-id")}`);
    }
    assert.deepEqual(order, [
      "chart:revenue",
      "table:costs",
      "chart:mix",
      "chart:trend",
      "chart:users",
      "chart:latency",
      "chart:share",
      "list:steps",
      "checklist:launch",
      "svg:logo",
      "file:plan.md",
      "list:extras",
    ]);
    assert.match(await textOf(reply.locator(".markdown").first()), /^Here is the plan for Launch plan\.$/);
    assert.equal(
      await reply.locator(".markdown strong").first().innerText(),
      "Launch plan",
      "reply text is rendered markdown",
    );

    // Charts: our SVG renderer, one mark per data point.
    const marks = async (id: string) => reply.locator(`figure[data-id="${id}"] svg .mark`).count();
    assert.equal(await marks("revenue"), 8);
    assert.equal(await marks("mix"), 6);
    assert.equal(await marks("trend"), 5);
    assert.equal(await marks("users"), 10);
    assert.equal(await reply.locator('figure[data-id="users"] svg path.area').count(), 2);
    assert.equal(await marks("latency"), 4);
    assert.equal(await marks("share"), 3);
    assert.equal(await reply.locator('figure[data-id="share"] .chart').getAttribute("data-chart-kind"), "pie");
    assert.match(await textOf(reply.locator('figure[data-id="share"] .legend')), /Linux 62 \(62%\)/);
    assert.equal(await reply.locator('figure[data-id="revenue"] svg').getAttribute("aria-label"), "Revenue by quarter");

    // Table, lists, checklist.
    assert.deepEqual(await reply.locator('figure[data-id="costs"] tbody tr').allInnerTexts(), [
      "Servers\t120",
      "People\t900",
    ]);
    assert.deepEqual(await reply.locator('figure[data-id="steps"] ol li').allInnerTexts(), [
      "Design",
      "Build",
      "Launch",
    ]);
    assert.match(await textOf(reply.locator('figure[data-id="launch"]')), /1 of 2 done/);
    assert.equal(await reply.locator('figure[data-id="launch"] input[type="checkbox"]').first().isChecked(), true);
    assert.equal(await reply.locator('figure[data-id="launch"] input[type="checkbox"]').nth(1).isChecked(), false);

    // SVG: drawn, and sanitised (the animation element is gone).
    assert.equal(await reply.locator('figure[data-id="logo"] .svg-art svg circle.logo-dot').count(), 1);
    assert.equal(await reply.locator('figure[data-id="logo"] animate').count(), 0);

    // File: markdown rendered from the stored bytes, and downloadable.
    const file = reply.locator('figure[data-id="plan.md"]');
    await file.locator(".file-preview h1").waitFor();
    assert.equal(await file.locator(".file-preview h1").innerText(), "Launch plan");
    assert.deepEqual(await file.locator(".file-preview ol li").allInnerTexts(), ["Build it.", "Ship it."]);
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      file.getByRole("button", { name: "Download" }).click(),
    ]);
    assert.equal(download.suggestedFilename(), "plan.md");
    assert.equal(
      readFileSync(await download.path(), "utf8"),
      PLAN_MD.trim(),
      "the stored file (the server trims contents)",
    );

    await screenshot(page, "workspace");
    await page.setViewportSize({ width: 390, height: 844 });
    await page.locator('figure[data-id="revenue"]').scrollIntoViewIfNeeded();
    const width = await page.evaluate("document.documentElement.scrollWidth");
    assert.ok(
      typeof width === "number" && width <= 390,
      `no sideways scrolling on a phone (page is ${String(width)} px wide)`,
    );
    await screenshot(page, "workspace-narrow");

    // A second generation while none runs is allowed; the list shows the workspace with its status.
    await goTo(page, "Workspaces");
    await waitForText(page.getByRole("list", { name: "Workspaces" }), /Launch plan SUCCEEDED/);
  });

  it("lists jobs with filters, streams a job's log live, and steers it with message, pause, resume and cancel", async function () {
    this.timeout(120_000);
    const user = await createUser();
    const { key } = await createApiKey(user, ["runners:write"], "jobs runner");
    const runner = new JobsRunner(key, "e2e-runner");
    studio = await openStudio(browser);
    const { page } = studio;
    try {
      await signIn(studio, user);
      await goTo(page, "Jobs");
      await page.getByText("No jobs yet.").waitFor();

      // Queue through the form; the Studio opens the new job.
      await page.getByRole("button", { name: "Queue a job" }).click();
      await page.getByLabel("Type", { exact: true }).fill("build");
      await page.getByLabel("Workflow path").fill("workflows/build.md");
      await page.getByLabel("Params (JSON)").fill('{"branch": "main"}');
      await page.getByRole("button", { name: "Queue job" }).click();
      await page.getByRole("heading", { level: 1, name: "build" }).waitFor();
      const jobId = decodeURIComponent(new URL(page.url()).pathname.split("/").pop() ?? "");
      assert.equal((await adminDb().collection("jobs").doc(jobId).get()).get("status"), "PENDING");
      await waitForText(page.locator(".job-lease"), /nobody/);
      await page.locator('[data-stream-state="live"]').waitFor();
      await page.getByText("No log lines yet.").waitFor();

      // The runner takes it; the page shows who holds it.
      const leased = await runner.lease();
      assert.equal(leased.id, jobId);
      await waitForText(page.locator(".job-status"), /RUNNING|LEASED/);
      await waitForText(page.locator(".job-lease"), /e2e-runner/);

      // Lines appear while the job runs, batch by batch (the stream, not a reload).
      await runner.log("checking out main", "installing dependencies");
      await waitForText(page.locator(".log"), /checking out main .*installing dependencies/);
      await runner.log("compiling 42 files");
      await waitForText(page.locator(".log"), /compiling 42 files/);
      assert.equal(await page.locator(".log .log-line").count(), 3);
      await screenshot(page, "job-live");
      assert.notEqual((await adminDb().collection("jobs").doc(jobId).get()).get("status"), "SUCCEEDED");

      // A mid-flight message reaches the runner in a heartbeat answer.
      await page.getByLabel("Message", { exact: true }).fill("please also run the linter");
      await page.getByRole("button", { name: "Send" }).click();
      await page.getByText("Sent “please also run the linter”.").waitFor();
      await eventually(
        () =>
          Promise.resolve(
            runner.heard.some((h) => h.messages.some((m) => m.text === "please also run the linter"))
              ? true
              : undefined,
          ),
        10_000,
        "the message in a heartbeat",
      );

      // Pause: requested while held; the runner acknowledges by releasing as PAUSED.
      await page.getByRole("button", { name: "Pause" }).click();
      await page.getByRole("button", { name: "Pause requested" }).waitFor();
      await eventually(
        () => Promise.resolve(runner.heard.some((h) => h.pauseRequested) ? true : undefined),
        10_000,
        "pauseRequested in a heartbeat",
      );
      await runner.release("PAUSED");
      await waitForText(page.locator(".job-status"), /PAUSED/);
      await page.getByRole("button", { name: "Resume" }).click();
      await waitForText(page.locator(".job-status"), /PENDING/);
      assert.equal((await adminDb().collection("jobs").doc(jobId).get()).get("status"), "PENDING");

      // Picked up again: more lines, an artifact, a result.
      await runner.lease();
      await runner.log("linting", "all checks passed");
      await waitForText(page.locator(".log"), /all checks passed/);
      await runner.uploadArtifact("reports/build.txt", "build ok\n");
      await runner.complete({ exitCode: 0, tests: 128 });
      await waitForText(page.locator(".job-status"), /SUCCEEDED/);
      await page.locator('[data-stream-state="ended"]').waitFor();
      await waitForText(page.locator(".job-attempts"), /of/);
      await waitForText(page.locator(".job-result"), /"tests": 128/);
      const artifact = page.locator(".artifact").filter({ hasText: "reports/build.txt" });
      await artifact.waitFor();
      const [download] = await Promise.all([
        page.waitForEvent("download"),
        artifact.getByRole("button", { name: "Download" }).click(),
      ]);
      assert.equal(download.suggestedFilename(), "build.txt");
      assert.equal(readFileSync(await download.path(), "utf8"), "build ok\n");
      assert.deepEqual(
        (await page.locator(".log .log-line").allInnerTexts()).map((l) => l.replace(/^\d+\s*/, "")),
        ["checking out main", "installing dependencies", "compiling 42 files", "linting", "all checks passed"],
      );
      assert.match(await textOf(page.getByRole("region", { name: "Controls" })), /This job has ended/);
      await screenshot(page, "job");

      // A second job, cancelled from its page while nobody holds it: it ends at once.
      const second = await call<{ id: string }>("POST", "/jobs", {
        token: user.idToken,
        body: { type: "deploy", workflowPath: "workflows/deploy.md", params: {} },
      });
      assert.equal(second.status, 201, JSON.stringify(second.body));
      await page.goto(`${STUDIO_URL}jobs/${second.body.id}`);
      await page.getByRole("heading", { level: 1, name: "deploy" }).waitFor();
      await page.getByRole("button", { name: "Cancel" }).click();
      await waitForText(page.locator(".job-status"), /CANCELLED/);
      assert.equal((await adminDb().collection("jobs").doc(second.body.id).get()).get("status"), "CANCELLED");

      // The list, filtered.
      await goTo(page, "Jobs");
      const rows = page.locator(".jobs-table tbody tr");
      await waitForText(rows.first(), /deploy/);
      assert.equal(await rows.count(), 2);
      await page.getByLabel("Filter by status").selectOption("SUCCEEDED");
      await eventually(async () => ((await rows.count()) === 1 ? true : undefined), 15_000, "one SUCCEEDED job");
      assert.match(await textOf(rows.first()), /^build .*SUCCEEDED/);
      await screenshot(page, "jobs");
      await page.getByLabel("Filter by status").selectOption("FAILED");
      await page.getByText("No jobs match these filters.").waitFor();
      await page.getByLabel("Filter by status").selectOption("");
      await page.getByLabel("Filter by type").fill("deploy");
      await page.getByRole("button", { name: "Filter" }).click();
      await eventually(async () => ((await rows.count()) === 1 ? true : undefined), 15_000, "one deploy job");
      assert.match(await textOf(rows.first()), /^deploy .*CANCELLED/);
    } finally {
      runner.stopHeartbeats();
    }
  });

  it("connects Code with a Control Plane token (a wrong one refused in words), shows its definitions, versions, deployments and executions, and shows errors in words", async function () {
    this.timeout(180_000);
    const user = await createUser();
    // A tenant with a definition, a Completed and a Failed version, a deployment and a finished execution.
    await warmRunnerRoutes();
    const tenant = await newTenant();
    const { definitionId, versionId, deploymentId } = await deployed(
      tenant,
      { Cpu: "250m", Memory: "256Mi" },
      { name: "Greeter" },
    );
    const failed = await failedVersion(tenant, definitionId);
    const executionId = await finishedExecution(tenant, deploymentId, 0);

    studio = await openStudio(browser);
    const { page } = studio;
    await signIn(studio, user);
    await goTo(page, "Code");
    const form = page.getByRole("form", { name: "Connect to Coderunner" });
    assert.match(await textOf(page.locator("main")), /npm run dev:token/);
    // A wrong token first: refused, in words, and nothing kept.
    await form.getByLabel("Control Plane token").fill("not-a-token");
    await form.getByLabel("Client key (tenant)").fill(tenant.tenantId);
    await form.getByLabel("User id").fill(tenant.userId);
    await form.getByRole("button", { name: "Connect" }).click();
    await waitForText(
      form.getByRole("alert"),
      /^The Coderunner API refused this token: The Control Plane token is invalid or expired\./,
    );
    assert.equal(await page.evaluate<number>("sessionStorage.length"), 0);

    await form.getByLabel("Control Plane token").fill(tenant.token);
    await form.getByRole("button", { name: "Connect" }).click();
    const definition = page.locator(`[data-definition-id="${definitionId}"]`);
    await waitForText(definition, /Greeter/);
    assert.match(await textOf(definition.locator(`[data-version-id="${versionId}"]`)), /^v1 Completed/i);
    const failedRow = await textOf(definition.locator(`[data-version-id="${failed.versionId}"]`));
    assert.match(failedRow, /^v2 Failed/i);
    assert.ok(failedRow.includes(`Refused: ${failed.failureReason}`), failedRow);
    const deploymentRow = await textOf(definition.locator(`[data-deployment-id="${deploymentId}"]`));
    assert.match(deploymentRow, new RegExp(`^${deploymentId} active v1 · 250m CPU · 256Mi`, "i"));
    assert.ok(deploymentRow.includes(`/api/invoke/${deploymentId}`), deploymentRow);
    const executionRow = await textOf(
      page.getByRole("list", { name: "Recent executions" }).locator(`[data-execution-id="${executionId}"]`),
    );
    assert.match(
      executionRow,
      new RegExp(`^${executionId} SUCCEEDED exit 0 Greeter · deployment ${deploymentId}`, "i"),
    );
    // The token is kept for this tab only: sessionStorage, never localStorage.
    assert.equal((await page.evaluate<string>("JSON.stringify(localStorage)")).includes(tenant.token), false);
    assert.equal((await page.evaluate<string>("JSON.stringify(sessionStorage)")).includes(tenant.token), true);
    await screenshot(page, "code");
    // Usable at 390 px: nothing wider than the screen.
    await page.setViewportSize({ width: 390, height: 844 });
    await waitForText(definition, /Greeter/);
    assert.ok(
      (await page.evaluate<number>("document.documentElement.scrollWidth")) <= 390,
      "no horizontal scrolling at 390 px",
    );
    await screenshot(page, "code-narrow");
    await page.setViewportSize({ width: 1280, height: 900 });

    // Disconnect forgets the token; a tenant with nothing yet gets the empty state.
    await page.getByRole("button", { name: "Disconnect" }).click();
    await form.waitFor();
    assert.equal(await page.evaluate<number>("sessionStorage.length"), 0);
    const empty = await newTenant();
    await form.getByLabel("Control Plane token").fill(empty.token);
    await form.getByLabel("Client key (tenant)").fill(empty.tenantId);
    await form.getByLabel("User id").fill(empty.userId);
    await form.getByRole("button", { name: "Connect" }).click();
    await page.getByText("No definitions yet").waitFor();
    await page.getByText("No executions yet").waitFor();

    // A job or workspace that is not yours (or not there) is a sentence, not a blank page.
    await page.goto(`${STUDIO_URL}jobs/doesNotExist`);
    await waitForText(page.getByRole("alert"), /^No such job\.\s*Try again$/);
    await page.goto(`${STUDIO_URL}workspaces/doesNotExist`);
    await waitForText(page.getByRole("alert"), /^No such workspace\.\s*Try again$/);
    // So is a workspace name the server refuses (too long), and nothing is created.
    await page.goto(`${STUDIO_URL}workspaces`);
    // Once the page has settled (the session restored, the list loaded), lift the form's own cap.
    await page.getByText("No workspaces yet.").waitFor();
    // An expression, not a function's source: Playwright evaluates a string without calling it.
    await page.evaluate(
      `document.querySelector('form[aria-label="Create a workspace"] input').removeAttribute('maxlength')`,
    );
    await page.getByLabel("Title").fill("x".repeat(201));
    assert.equal((await page.getByLabel("Title").inputValue()).length, 201);
    await page.getByRole("button", { name: "Create workspace" }).click();
    await waitForText(page.getByRole("alert"), /^The request body is not valid: title: .*200/);
    assert.equal((await adminDb().collection("workspaces").get()).size, 0);

    // /dashboard without the slash, and an unknown page inside the app, still land somewhere useful.
    await page.goto(`${STUDIO_URL.replace(/\/$/, "")}`);
    await page.getByRole("heading", { level: 1, name: "Overview" }).waitFor();
    await page.goto(`${STUDIO_URL}no/such/page`);
    await page.getByText("There is no page here.").waitFor();
  });
});
