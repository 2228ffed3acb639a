/**
 * Debian's Chromium, driven headless by playwright-core, against the Studio the Hosting emulator
 * serves. No browser is downloaded: CI installs the `chromium` package (.ci/run).
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from "playwright-core";
import { ROOT } from "../../scripts/stack";
import { API_BASE, type TestUser } from "../harness/stack";

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
/** Flags for a closed network: without the background-networking ones Chromium keeps dialling Google. */
export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
export const STUDIO_URL = `${API_BASE}/dashboard/`;
export const SCREENSHOT_DIR = join(ROOT, "test-results", "screenshots");
const BUILT_STUDIO = join(ROOT, "hosting", "public", "dashboard", "index.html");
/** How long the UI gets to show something (the pages poll every 2–5 s; two cores are shared with the stack). */
export const UI_TIMEOUT_MS = 30_000;

export async function launchBrowser(): Promise<Browser> {
  assert.ok(existsSync(CHROMIUM_PATH), `Chromium not found at ${CHROMIUM_PATH}: apt-get install -y chromium`);
  assert.ok(
    existsSync(BUILT_STUDIO),
    "The Studio is not built: run `npm run build` (or `npm run build:studio`) first.",
  );
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  // Pictures of an earlier run's failures would mislead whoever looks next.
  for (const name of readdirSync(SCREENSHOT_DIR)) if (name.startsWith("failed-")) rmSync(join(SCREENSHOT_DIR, name));
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
}

export interface StudioPage {
  context: BrowserContext;
  page: Page;
  /** Uncaught page errors and console errors, for the after-test check. */
  problems: string[];
}

/** A fresh browser profile (no session) on the Studio; clipboard allowed so copy buttons can be checked. */
export async function openStudio(browser: Browser, viewport = { width: 1280, height: 900 }): Promise<StudioPage> {
  const context = await browser.newContext({ viewport, acceptDownloads: true });
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: API_BASE });
  const page = await context.newPage();
  page.setDefaultTimeout(UI_TIMEOUT_MS);
  const problems: string[] = [];
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  page.on("console", (message) => {
    // A failed fetch the page handled (and showed in words) still logs a console error; those
    // are expected where a test provokes them, so only script errors count.
    if (message.type() === "error" && !message.text().startsWith("Failed to load resource"))
      problems.push(`console: ${message.text()}`);
  });
  await page.goto(STUDIO_URL);
  return { context, page, problems };
}

/** Signs in through the form, as a person would, and waits for the Runners page. */
export async function signIn(studio: StudioPage, user: TestUser, password = "password-123"): Promise<void> {
  const { page } = studio;
  await page.getByLabel("Email").fill(user.email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { level: 1, name: "Overview" }).waitFor();
}

/** Goes to a Studio page through the navigation bar. */
export async function goTo(
  page: Page,
  section: "Overview" | "Runners" | "Jobs" | "Workspaces" | "Proposals" | "Code",
): Promise<void> {
  await page.getByRole("navigation", { name: "Sections" }).getByRole("link", { name: section }).click();
  await page.getByRole("heading", { level: 1, name: section }).waitFor();
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}

/** The visible text of a locator, whitespace collapsed. */
export async function textOf(locator: Locator): Promise<string> {
  return (await locator.innerText()).replace(/\s+/g, " ").trim();
}

/** Polls until the locator's text matches (the Studio updates by polling and streaming). */
export async function waitForText(locator: Locator, pattern: RegExp, timeoutMs = UI_TIMEOUT_MS): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  for (;;) {
    try {
      last = await textOf(locator.first());
      if (pattern.test(last)) return last;
    } catch {
      // not attached yet
    }
    if (Date.now() > deadline)
      throw new Error(
        `timed out waiting for ${pattern} in ${locator.toString()}; last text: ${JSON.stringify(last.slice(0, 500))}`,
      );
    await new Promise((r) => setTimeout(r, 150));
  }
}

/** Every route the Studio and these tests call, as "METHOD path". */
const STUDIO_ROUTES = [
  "GET /api/metrics",
  "GET /api/runner-instances",
  "GET /api/keys",
  "DELETE /api/keys/warm",
  "GET /api/runners",
  "GET /api/runners/warm",
  "POST /api/runners/register",
  "POST /api/runners/warm/heartbeat",
  "GET /api/workspaces",
  "GET /api/workspaces/warm",
  "POST /api/workspaces/warm/messages",
  "POST /api/workspaces/warm/generate",
  "GET /api/workspaces/warm/files/warm",
  "POST /createRunnerInstance",
  "POST /updateRunnerInstance",
  "POST /revokeRunnerInstance",
  "POST /leaseWorkspaceJob",
  "POST /getWorkspaceRunnerContext",
  "POST /heartbeatWorkspaceJob",
  "POST /completeWorkspaceJob",
  "GET /jobs",
  "GET /jobs/warm",
  "GET /jobs/warm/stream",
  "GET /jobs/warm/insights",
  "POST /jobs/warm/cancel",
  "POST /jobs/warm/pause",
  "POST /jobs/warm/resume",
  "POST /jobs/warm/message",
  "GET /jobs/warm/artifacts/warm/content",
  "POST /jobs/runner/lease",
  "POST /jobs/warm/runner/heartbeat",
  "POST /jobs/warm/runner/logs",
  "POST /jobs/warm/runner/artifacts",
  "POST /jobs/warm/runner/complete",
  "POST /jobs/warm/runner/release",
  "GET /api/coderunner/overview",
  "POST /api/definitions",
  "POST /api/file/warm/upload",
  "POST /api/deployment/create",
  "POST /api/execution/run/onetime/warm",
  "POST /api/coderunner/runner-keys",
] as const;
/** Requests in flight while warming: enough to overlap, few enough for two cores. */
const WARM_CONCURRENCY = 4;

/**
 * The functions emulator boots a worker the first time a function is called, which takes
 * seconds; the tests' leases last 4 s and the UI waits are bounded, so each function the Studio
 * uses is called once (unauthenticated: a 401 boots it as well as a 200) before the tests start.
 */
export async function warmFunctions(routes: readonly string[] = STUDIO_ROUTES): Promise<void> {
  const queue: string[] = [...routes];
  const worker = async () => {
    for (let route = queue.shift(); route !== undefined; route = queue.shift()) {
      const [method = "GET", path = "/"] = route.split(" ");
      const response = await fetch(`${API_BASE}${path}`, { method });
      await response.arrayBuffer();
    }
  };
  await Promise.all(Array.from({ length: WARM_CONCURRENCY }, worker));
}

export async function closeStudio(studio: StudioPage | undefined): Promise<string[]> {
  if (studio === undefined) return [];
  await studio.context.close();
  return studio.problems;
}
