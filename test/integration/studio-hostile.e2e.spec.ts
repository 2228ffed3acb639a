/**
 * Hostile runner output in a real Chromium (issue 18): a runner completes a workspace job with
 * every payload the security review used — in SVG deliverables (sanitised by the server), in a
 * markdown file and in the reply text (stored as written, sanitised by the Studio), and in an
 * SVG record written straight to Firestore as records made before server sanitising were — and
 * the Studio shows the reply. Each payload must be neutralised, no request may leave the page's
 * origin (Chromium's network log), the page must keep its look, and Hosting must send the CSP.
 */
import assert from "node:assert/strict";
import type { Browser, Request } from "playwright-core";
import { ISSUE_18_VECTORS } from "../../functions/src/core/markup/xssVectors";
import {
  closeStudio,
  launchBrowser,
  openStudio,
  screenshot,
  signIn,
  warmFunctions,
  STUDIO_URL,
  type StudioPage,
} from "../e2e/browser";
import { createInstance, createUser, queuedWorkspace } from "../harness/fixtures";
import { adminDb, API_BASE, call, STACK_LOG } from "../harness/stack";

/** Set by any payload that manages to run script. */
const PWNED = "__pwned";
const SCRIPTED = `window.${PWNED}=1`;

const SVG_PAYLOADS = [
  ...ISSUE_18_VECTORS.filter((v) => v.source.startsWith("<svg")).map((v) => v.source.replaceAll("alert(1)", SCRIPTED)),
  `<svg onload="${SCRIPTED}"><script>${SCRIPTED}</script><rect width="5" height="5"/></svg>`,
];
/** Raw HTML in markdown: the Studio renders markdown to HTML, so these reach its sanitiser. */
const MARKDOWN = [
  "# Quarterly plan",
  "",
  "Some **real** content first.",
  "",
  ...ISSUE_18_VECTORS.map((v) => v.source.replaceAll("alert(1)", SCRIPTED)),
  `<img src="x" onerror="${SCRIPTED}">`,
  "",
  "[a link](https://example.org/docs)",
].join("\n");

/** The routes this test and the pages it opens call. */
const ROUTES_USED = [
  "GET /api/metrics",
  "POST /createRunnerInstance",
  "POST /api/workspaces",
  "POST /api/workspaces/warm/messages",
  "POST /api/workspaces/warm/generate",
  "POST /leaseWorkspaceJob",
  "POST /completeWorkspaceJob",
  "GET /api/runner-instances",
  "GET /api/keys",
  "GET /api/runners",
  "GET /api/workspaces/warm",
  "GET /api/workspaces/warm/files/warm",
];

/** What may be left inside rendered runner content: nothing from this list. */
const HAZARDS =
  "style, form, input, button, textarea, select, foreignObject, script, iframe, object, embed, link, meta, base, animate, set";

describe("Studio under hostile runner output (browser)", function () {
  let browser: Browser;
  let studio: StudioPage | undefined;

  before(async function () {
    this.timeout(300_000);
    browser = await launchBrowser();
    // Workers boot on first call, which takes longer than the tests' 4 s leases.
    await warmFunctions(ROUTES_USED);
  });

  after(async () => {
    await browser?.close();
  });

  afterEach(async function () {
    if (this.currentTest?.state === "failed" && studio !== undefined)
      await screenshot(studio.page, "failed-hostile").catch(() => undefined);
    await closeStudio(studio);
    studio = undefined;
  });

  it("neutralises every payload, makes no request off the origin, keeps the page's look, and is served with the CSP", async function () {
    this.timeout(300_000);
    const user = await createUser();
    const runner = await createInstance(user);
    const { workspaceId } = await queuedWorkspace(user, "user", "Hostile reply");
    // At most 8 SVGs per reply: two payloads each.
    const svgs = Array.from({ length: Math.ceil(SVG_PAYLOADS.length / 2) }, (_, i) => ({
      id: `evil${i}`,
      title: `Drawing ${i}`,
      content: SVG_PAYLOADS.slice(2 * i, 2 * i + 2).join(""),
    }));
    const completion = {
      workspaceId,
      assistantMessage: `Reply <style>body{background:red}</style><img src="https://evil.example/reply.png"> <a href="javascript:${SCRIPTED}">x</a>\n\n${svgs.map((s) => `{{artifact:svg:${s.id}}}`).join("\n")}\n\n{{artifact:file:evil.md}}`,
      files: [{ name: "evil.md", content: MARKDOWN }],
      svgs,
    };
    // Leases last 4 s in tests; on two loaded cores a call can take longer, so a lapsed lease is
    // reaped and taken again (at most three tries) — the subject here is what the Studio shows.
    let done = { status: 0, body: {} as unknown };
    for (let attempt = 0; attempt < 3 && done.status !== 200; attempt++) {
      if (attempt > 0) await STACK_LOG.fireScheduled("reapExpiredLeases");
      const lease = await call("POST", "/leaseWorkspaceJob", { token: runner.runnerToken, body: {} });
      assert.equal(lease.status, 200, JSON.stringify(lease.body));
      done = await call("POST", "/completeWorkspaceJob", { token: runner.runnerToken, body: completion });
      if (done.status !== 409) break;
    }
    assert.equal(done.status, 200, JSON.stringify(done.body));

    // What the server stored (and serves to any client) is already sanitised.
    const stored = await adminDb()
      .collection("workspaces")
      .doc(workspaceId)
      .collection("deliverables")
      .where("kind", "==", "svg")
      .get();
    assert.equal(stored.size, svgs.length);
    for (const doc of stored.docs) {
      const content = String((doc.get("data") as { content: string }).content);
      assert.doesNotMatch(content, /<style|onmouseover|onload|script|https:\/\/evil|<animate|<foreignObject/i, content);
    }
    // A record from before server-side sanitising reaches the Studio raw: it must cope alone.
    const legacy = stored.docs[0];
    assert.ok(legacy !== undefined);
    await legacy.ref.update({ "data.content": SVG_PAYLOADS.join("") });

    const requests: string[] = [];
    studio = await openStudio(browser);
    const { page } = studio;
    page.on("request", (request: Request) => requests.push(request.url()));
    await page.addInitScript(
      "window.cspViolations = []; document.addEventListener('securitypolicyviolation', (e) => window.cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));",
    );
    await signIn(studio, user);
    await page.goto(`${STUDIO_URL}workspaces`);
    await page.getByRole("heading", { level: 1, name: "Workspaces" }).waitFor();
    await page.getByText("Hostile reply").waitFor();
    assert.deepEqual(
      await page.evaluate("window.cspViolations"),
      [],
      "the Studio itself needs nothing the CSP forbids",
    );
    const response = await page.goto(`${STUDIO_URL}workspaces/${encodeURIComponent(workspaceId)}`);
    const csp = response?.headers()["content-security-policy"] ?? "";
    for (const directive of [
      "script-src 'self'",
      "style-src 'self'",
      "img-src 'self' data: blob:",
      "form-action 'none'",
      "frame-ancestors 'none'",
      "base-uri 'none'",
    ]) {
      assert.ok(csp.includes(directive), `CSP has ${directive}: ${csp}`);
    }
    assert.match(
      csp,
      /connect-src 'self'[^;]* http:\/\/127\.0\.0\.1:9099/,
      "locally the Auth emulator is allowed, nothing else new",
    );
    assert.equal(response?.headers()["x-content-type-options"], "nosniff");
    assert.equal(response?.headers()["referrer-policy"], "no-referrer");

    const reply = page.locator(".message-assistant");
    // Generous: the machine's two cores are shared with the whole stack.
    await reply.waitFor({ timeout: 90_000 });
    await reply.locator(`figure[data-id="evil.md"] .file-preview h1`).waitFor({ timeout: 90_000 });
    await page.waitForLoadState("networkidle");

    const rendered = reply.locator(".markdown, .svg-art");
    assert.ok((await rendered.count()) > svgs.length, "the reply, the file and the drawings are on the page");
    assert.equal(
      await reply.locator(".markdown, .svg-art").locator(HAZARDS).count(),
      0,
      "no style, form, control, foreign content or script survived",
    );
    const attributes = await page.evaluate<string[]>(
      `Array.from(document.querySelectorAll(".message-assistant .markdown *, .message-assistant .svg-art *")).flatMap((el) => Array.from(el.attributes).map((a) => el.nodeName.toLowerCase() + " " + a.name + "=" + a.value))`,
    );
    assert.ok(attributes.length > 0);
    assert.deepEqual(
      attributes.filter((a) => /^\S+ on/i.test(a) || /^\S+ style=/.test(a) || /javascript:|evil\.example/i.test(a)),
      [],
    );
    const links = await page.evaluate<string[]>(
      `Array.from(document.querySelectorAll(".message-assistant .svg-art a[href], .message-assistant .markdown a[href]")).map((el) => el.getAttribute("target") + " " + el.getAttribute("rel"))`,
    );
    assert.ok(links.length >= 2, "the SVG link and the markdown link are kept");
    for (const link of links) assert.equal(link, "_blank noopener noreferrer nofollow");

    // Nothing ran, nothing restyled the page, nothing was fetched from elsewhere.
    assert.equal(await page.evaluate(`window.${PWNED}`), undefined);
    assert.notEqual(await page.evaluate("getComputedStyle(document.body).backgroundColor"), "rgb(255, 0, 0)");
    assert.equal(await page.getByRole("heading", { level: 1, name: "Hostile reply" }).isVisible(), true);
    const offOrigin = requests.filter(
      (url) => !url.startsWith(`${API_BASE}/`) && !url.startsWith("http://127.0.0.1:9099/") && !url.startsWith("data:"),
    );
    assert.deepEqual(offOrigin, [], "every request stayed on the page's origin (or the local Auth emulator)");
    assert.ok(
      requests.some((url) => url.includes(`/api/workspaces/${workspaceId}`)),
      "the network log saw the page's own calls",
    );
    // The sanitiser parses the hostile markup in a document of its own (DOMPurify), which Chromium
    // reports as blocked inline styles and, from Chromium 156 on (Debian's package of 2026-12; the
    // last green CI ran an older one, and the landed ae3da32 fails here the same way), blocked
    // inline event handlers: the page's CSP stops the handler of the hostile <img> in that parse.
    // Nothing is applied or run (the computed styles, the rendered DOM without any on* attribute
    // and the untouched window above), and no other kind of violation may appear.
    const violations = await page.evaluate<string[]>("window.cspViolations");
    assert.deepEqual(
      violations.filter((v) => v !== "style-src-elem inline" && v !== "script-src-attr inline"),
      [],
      "only the inert parse of hostile markup",
    );
    // Chromium also logs those reports to the console; anything else logged is a real problem.
    assert.deepEqual(
      studio.problems.filter(
        (p) =>
          !p.startsWith("console: Applying inline style violates") &&
          !p.startsWith("console: Executing inline event handler violates"),
      ),
      [],
      "no script errors",
    );
    await screenshot(page, "workspace-hostile");
  });
});
