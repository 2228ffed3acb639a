/**
 * Seed 002's routes a runner answers, end to end with the reference runner: `POST /intake/stream`
 * with the offline fake LLM (tokens in order, then `done`; 503 `no-llm` with no runner; each
 * session budget), and the rpc routes with the fake plugin (answered, timed out with a job id,
 * 503 when no runner offers the plugin or capability).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { createHash } from "node:crypto";
import { ROOT } from "../../scripts/stack";
import { eventually } from "../harness/fixtures";
import { adminDb, API_BASE, call } from "../harness/stack";
import { jobsUser, type JobsUser } from "./jobs-fixtures";
import { endRunnerTest, startRunner, testDir, type RunnerProcess } from "./runner-fixtures";

interface IntakeEvent {
  type: string;
  text?: string;
  usage?: { outputTokens: number; inputTokens?: number };
  message?: string;
  reason?: string;
}

interface IntakeAnswer {
  status: number;
  jobId: string | null;
  events: IntakeEvent[];
  /** When each event arrived, ms after the request was sent. */
  at: number[];
  /** When each event arrived, on the wall clock (Date.now()). */
  wall: number[];
  body: unknown;
}

/** Posts a turn and reads the SSE answer to its end: `data:` frames as JSON, comments skipped. */
async function intake(token: string, body: Record<string, unknown>): Promise<IntakeAnswer> {
  const started = performance.now();
  const response = await fetch(`${API_BASE}/intake/stream`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const jobId = response.headers.get("x-job-id");
  if (!(response.headers.get("content-type") ?? "").startsWith("text/event-stream"))
    return { status: response.status, jobId, events: [], at: [], wall: [], body: await response.json() };
  const events: IntakeEvent[] = [];
  const at: number[] = [];
  const wall: number[] = [];
  const decoder = new TextDecoder();
  let buffered = "";
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    buffered += decoder.decode(chunk, { stream: true });
    for (let end = buffered.indexOf("\n\n"); end >= 0; end = buffered.indexOf("\n\n")) {
      const frame = buffered.slice(0, end);
      buffered = buffered.slice(end + 2);
      const data = frame
        .split("\n")
        .filter((line) => line.startsWith("data: "))
        .map((line) => line.slice(6))
        .join("\n");
      if (data === "") continue;
      events.push(JSON.parse(data) as IntakeEvent);
      at.push(performance.now() - started);
      wall.push(Date.now());
    }
  }
  return { status: response.status, jobId, events, at, wall, body: null };
}

const turn = (sessionId: string, content = "Add rate limiting to /api/users") => ({
  sessionId,
  messages: [{ role: "user", content }],
  context: { recentRepos: ["org/api-service"], userLocale: "en" },
});
const CANNED = (content: string) => `Here is a plan for "${content}": scope it, write the tests, then ship it.`;

function sessionDoc(user: JobsUser, sessionId: string) {
  const key = createHash("sha256").update(sessionId, "utf8").digest("hex");
  return adminDb().collection("teams").doc(user.user.uid).collection("intakeSessions").doc(key);
}

describe("routes a runner answers (intake chat, plugins, diagnostics)", function () {
  this.timeout(60_000);
  let owner: JobsUser;
  let runner: RunnerProcess | undefined;
  let dir = "";
  let warmed = false;

  // The functions these tests call, started once (a cold emulator worker takes seconds, longer
  // than the tests' 4 s leases and the rpc routes' wait).
  before(async function () {
    this.timeout(120_000);
    const routes: [string, string][] = [
      ["POST", "/intake/stream"],
      ["POST", "/jobs/runner/lease"],
      ["POST", "/jobs/warm-up/runner/heartbeat"],
      ["POST", "/jobs/warm-up/runner/tokens"],
      ["POST", "/jobs/warm-up/runner/complete"],
      ["POST", "/jobs/warm-up/runner/fail"],
      ["POST", "/jobs/warm-up/runner/release"],
      ["GET", "/plugins"],
      ["POST", "/test/git"],
      ["GET", "/jobs/warm-up"],
      ["POST", "/api/runners/register"],
      ["POST", "/api/runners/warm-up/heartbeat"],
    ];
    for (let i = 0; i < routes.length; i += 4)
      await Promise.all(
        routes.slice(i, i + 4).map(async ([method, path]) => {
          const response = await call(method, path, method === "GET" ? {} : { body: {} });
          assert.equal(response.status, 401, `${method} ${path}: ${response.status}`);
        }),
      );
  });

  // Each test starts from a clean database (test/harness/hooks.ts): a fresh owner each time.
  beforeEach(async () => {
    owner = await jobsUser();
  });

  afterEach(function () {
    endRunnerTest(this, runner, dir);
    runner = undefined;
    dir = "";
  });

  it("answers 503 { reason: no-llm } at once when no runner of the team offers llm, and rpc routes 503 with a reason", async () => {
    const started = Date.now();
    const answer = await intake(owner.user.idToken, turn("no-runner"));
    assert.equal(answer.status, 503, JSON.stringify(answer.body));
    assert.deepEqual(
      { error: (answer.body as { error: string }).error, reason: (answer.body as { reason: string }).reason },
      { error: "NO_LLM", reason: "no-llm" },
    );
    assert.ok(Date.now() - started < 5_000, "answered at once");
    const git = await call("POST", "/test/git", { token: owner.user.idToken, body: {} });
    assert.equal(git.status, 503);
    assert.equal(git.body.reason, "no-git");
    const models = await call("GET", "/plugins/fakegit/models", { token: owner.writeKey });
    assert.equal(models.status, 503);
    assert.equal(models.body.reason, "no-plugin");
    // Nothing was queued for a route nobody could answer.
    const queued = await adminDb().collection("jobs").where("teamId", "==", owner.user.uid).get();
    assert.equal(queued.size, 0);
  });

  describe("with the reference runner, its fake LLM and fake plugins online", () => {
    // The streaming test runs last: by then the runner-side functions have served real calls, and
    // a cold worker's first answer cannot outlast the tests' 4 s lease.
    beforeEach(async () => {
      dir = testDir();
      const jobs = join(ROOT, "examples", "jobs");
      runner = startRunner({
        id: "intake-runner",
        dir,
        token: owner.runnerKey,
        config: {
          pollMs: 250,
          concurrency: 4,
          llm: { command: ["node", join(jobs, "fake-llm.js")], env: { FAKE_LLM_DELAY_MS: "30" } },
          plugins: {
            fakegit: { command: ["node", join(jobs, "fake-plugin.js")], capabilities: ["git", "tracker"] },
            slowplug: { command: ["node", join(jobs, "fake-plugin.js")], env: { FAKE_PLUGIN_DELAY_MS: "15000" } },
          },
        },
      });
      // Online once its first lease wrote its presence.
      await eventually(
        async () => {
          const snap = await adminDb()
            .collection("teams")
            .doc(owner.user.uid)
            .collection("runnerPresence")
            .doc("intake-runner")
            .get();
          return snap.exists ? true : undefined;
        },
        20_000,
        "the runner's presence",
      );
      // One round trip through the runner-side functions first (lease, heartbeat, complete): their
      // workers' first real call can outlast the tests' 4 s lease on a busy machine.
      if (!warmed) {
        const ping = await call("POST", "/test/llm", { token: owner.user.idToken, body: { prompt: "warm" } });
        warmed = ping.status === 200;
      }
    });

    it("enforces the session budgets: 8 turns, 30k tokens in all, and cuts a turn past its tokens", async () => {
      // Turns: a session that has used its 8 turns gets one error event of reason budget.
      await sessionDoc(owner, "session-turns").set({
        turns: 8,
        outputTokens: 0,
        currentJobId: null,
        createdAt: new Date(),
        updatedAt: new Date(),
        expireAt: new Date(Date.now() + 60_000),
      });
      const turns = await intake(owner.user.idToken, turn("session-turns"));
      assert.equal(turns.status, 200);
      assert.deepEqual(
        turns.events.map((e) => [e.type, e.reason]),
        [["error", "budget"]],
      );
      // Total: 30k output tokens used.
      await sessionDoc(owner, "session-total").set({
        turns: 2,
        outputTokens: 30_000,
        currentJobId: null,
        createdAt: new Date(),
        updatedAt: new Date(),
        expireAt: new Date(Date.now() + 60_000),
      });
      const total = await intake(owner.user.idToken, turn("session-total"));
      assert.deepEqual(
        total.events.map((e) => [e.type, e.reason]),
        [["error", "budget"]],
      );
      // Per turn: with 10 tokens left of the session's 30k, the turn may use 10; the fake LLM's
      // answer is longer, so the server cuts it (the job ends FAILED) and the stream says budget.
      await sessionDoc(owner, "session-cut").set({
        turns: 3,
        outputTokens: 29_990,
        currentJobId: null,
        createdAt: new Date(),
        updatedAt: new Date(),
        expireAt: new Date(Date.now() + 60_000),
      });
      const cut = await intake(owner.user.idToken, turn("session-cut"));
      const types = cut.events.map((e) => e.type);
      assert.deepEqual(cut.events.at(-1), {
        type: "error",
        message: "The turn passed its output token budget and was cut.",
        reason: "budget",
      });
      assert.ok(types.slice(0, -1).every((t) => t === "token"));
      // Each piece counts at least one token: no more than the 10 left reach the caller.
      assert.ok(types.length - 1 <= 10, `${types.length - 1} tokens streamed before the cut`);
      const job = (
        await adminDb()
          .collection("jobs")
          .doc(cut.jobId ?? "none")
          .get()
      ).data();
      assert.equal(job?.status, "FAILED");
      assert.equal((job?.llm as { stoppedFor?: string } | undefined)?.stoppedFor, "budget");
      // The next turn of that session is refused: its total is now spent.
      const after = await intake(owner.user.idToken, turn("session-cut"));
      assert.deepEqual(
        after.events.map((e) => [e.type, e.reason]),
        [["error", "budget"]],
      );
    });

    it("answers rpc routes through the runner's plugins, and 504 with the job id when the runner is slow", async () => {
      const models = await call<{ answer: { models: { id: string }[] }; jobId: string; runnerId: string }>(
        "GET",
        "/plugins/fakegit/models",
        { token: owner.readKey },
      );
      assert.equal(models.status, 200, JSON.stringify(models.body));
      assert.deepEqual(
        models.body.answer.models.map((m) => m.id),
        ["fake-small", "fake-large"],
      );
      assert.equal(models.body.runnerId, "intake-runner");
      const git = await call<{ answer: Record<string, unknown> }>("POST", "/test/git", {
        token: owner.writeKey,
        body: { repo: "org/api-service" },
      });
      assert.equal(git.status, 200, JSON.stringify(git.body));
      assert.deepEqual(git.body.answer, { ok: true, repo: "org/api-service", defaultBranch: "main" });
      const list = await call<{ answer: { plugins: { id: string }[]; llm: boolean } }>("GET", "/plugins", {
        token: owner.user.idToken,
      });
      assert.equal(list.status, 200, JSON.stringify(list.body));
      assert.deepEqual(list.body.answer.plugins.map((p) => p.id).sort(), ["fakegit", "slowplug"]);
      const llm = await call<{ answer: { ok: boolean; text: string } }>("POST", "/test/llm", {
        token: owner.user.idToken,
        body: { prompt: "ping" },
      });
      assert.equal(llm.status, 200, JSON.stringify(llm.body));
      assert.equal(llm.body.answer.text, CANNED("ping"));
      // A plugin the runner does not have: nobody offers it.
      const missing = await call("POST", "/plugins/nope/healthcheck", { token: owner.writeKey, body: {} });
      assert.equal(missing.status, 503);
      assert.equal(missing.body.reason, "no-plugin");
      // The slow plugin answers after the route's wait (RPC_WAIT_MS in the tests): 504 with the job to poll.
      const slow = await call("POST", "/plugins/slowplug/healthcheck", { token: owner.writeKey, body: {} });
      assert.equal(slow.status, 504, JSON.stringify(slow.body));
      assert.equal(slow.body.error, "RUNNER_TIMEOUT");
      assert.equal(typeof slow.body.jobId, "string");
      const polled = await call("GET", `/jobs/${String(slow.body.jobId)}`, { token: owner.writeKey });
      assert.equal(polled.status, 200);
      assert.ok(["LEASED", "RUNNING"].includes(String(polled.body.status)), String(polled.body.status));
    });

    it("streams the fake LLM's tokens in order, then done with usage; the session counts the turn", async () => {
      const content = "Add rate limiting to /api/users";
      const answer = await intake(owner.user.idToken, turn("session-ok", content));
      assert.equal(answer.status, 200);
      const last = answer.events.at(-1);
      assert.equal(last?.type, "done", JSON.stringify(answer.events.slice(-3)));
      const tokens = answer.events.slice(0, -1);
      assert.ok(tokens.length > 5, `${tokens.length} tokens`);
      assert.ok(tokens.every((e) => e.type === "token"));
      assert.equal(tokens.map((e) => e.text).join(""), CANNED(content));
      assert.equal(last?.usage?.outputTokens, tokens.length);
      // Streamed, not delivered at the end: the pieces come 30 ms apart and arrive spread out.
      const spread = (answer.at.at(-2) ?? 0) - (answer.at[0] ?? 0);
      assert.ok(spread > 150, `tokens arrived over ${spread.toFixed(0)} ms`);
      const session = (await sessionDoc(owner, "session-ok").get()).data();
      assert.equal(session?.turns, 1);
      assert.ok(answer.jobId !== null);
      // Latency figure (printed, not asserted): each token from the moment the server stored the
      // runner's post (the chunk's create time, same machine clock) to its arrival at the caller.
      const chunks = (
        await adminDb().collection("jobs").doc(answer.jobId).collection("tokens").orderBy("seq").get()
      ).docs.map((d) => ({ text: String(d.get("text")), storedAt: d.createTime.toMillis() }));
      const latencies: number[] = [];
      let chunk = 0;
      let chunkEnd = chunks[0]?.text.length ?? 0;
      let received = 0;
      for (const [i, event] of tokens.entries()) {
        received += (event.text ?? "").length;
        while (received > chunkEnd && chunk < chunks.length - 1) chunkEnd += chunks[++chunk]?.text.length ?? 0;
        latencies.push((answer.wall[i] ?? 0) - (chunks[chunk]?.storedAt ?? 0));
      }
      const sorted = [...latencies].sort((a, b) => a - b);
      console.log(
        `      token latency, stored → caller (ms): first ${latencies[0]}, p50 ${sorted[Math.floor(sorted.length / 2)]}, max ${sorted.at(-1)} over ${latencies.length} tokens in ${chunks.length} posts`,
      );
      const job = await call("GET", `/jobs/${answer.jobId}`, { token: owner.user.idToken });
      assert.equal(job.status, 200);
      assert.equal(job.body.status, "SUCCEEDED");
    });
  });
});
