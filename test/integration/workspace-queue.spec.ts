import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import {
  createInstance,
  eventually,
  lease,
  queuedWorkspace,
  seedInstances,
  sleep,
  type RunnerInstance,
} from "../harness/fixtures";
import { TEST_FUNCTION_ENV } from "../harness/hooks";
import { warmUp } from "./jobs-fixtures";
import { adminDb, API_BASE, call, createUser, STACK_LOG } from "../harness/stack";

const LEASE_MS = Number(TEST_FUNCTION_ENV.WORKSPACE_LEASE_MS);

async function jobDoc(jobId: string) {
  return (await adminDb().collection("jobs").doc(jobId).get()).data() ?? {};
}

/** Everything a late call could disturb: job, workspace, messages, deliverables. */
async function snapshot(workspaceId: string, jobId: string) {
  const ws = adminDb().collection("workspaces").doc(workspaceId);
  const [job, workspace, messages, deliverables] = await Promise.all([
    adminDb().collection("jobs").doc(jobId).get(),
    ws.get(),
    ws.collection("messages").get(),
    ws.collection("deliverables").get(),
  ]);
  return JSON.stringify([job.data(), workspace.data(), messages.docs.map((d) => d.data()), deliverables.size]);
}

const minimalCompletion = (workspaceId: string) => ({
  workspaceId,
  assistantMessage: "Done.",
  files: [],
  charts: [],
  datasets: [],
  lists: [],
  checklists: [],
  svgs: [],
});

describe("workspace job queue (seed 001)", () => {
  before(async function () {
    this.timeout(300_000);
    // Holder calls run within the test stack's 4 s lease: a cold worker (its first call boots
    // one, seconds on a loaded machine) would outlast it and answer 409.
    await warmUp([
      ["/heartbeatWorkspaceJob", 1],
      ["/completeWorkspaceJob", 1],
      ["/failWorkspaceJob", 1],
    ]);
  });

  it("hands each of 20 jobs to exactly one of 50 concurrent lease calls; 30 get {leased:false}", async function () {
    this.timeout(180_000);
    const user = await createUser();
    const queued = await Promise.all(Array.from({ length: 20 }, (_, i) => queuedWorkspace(user, "user", `ws ${i}`)));
    const instances: RunnerInstance[] = await seedInstances(user, 50);
    const answers = await Promise.all(instances.map((i) => lease(i.runnerToken)));
    assert.ok(
      answers.every((a) => a.status === 200),
      JSON.stringify(answers.filter((a) => a.status !== 200).map((a) => a.body)),
    );
    const won = answers.filter((a) => a.body.leased);
    assert.equal(won.length, 20);
    assert.equal(answers.filter((a) => !a.body.leased).length, 30);
    const leasedWorkspaces = won.map((a) => a.body.workspaceId);
    assert.equal(new Set(leasedWorkspaces).size, 20, "no workspace handed out twice");
    assert.deepEqual([...leasedWorkspaces].sort(), queued.map((q) => q.workspaceId).sort());
    // Stored state agrees: every job LEASED, each to a distinct holder that got it.
    const holders = await Promise.all(
      queued.map(async (q) => (await jobDoc(q.jobId)) as { status: string; lease: { holder: string } }),
    );
    assert.ok(holders.every((j) => j.status === "LEASED"));
    assert.equal(new Set(holders.map((j) => j.lease.holder)).size, 20);
  });

  it("keeps pools apart: global sees only global, a user instance only its owner's user jobs", async () => {
    const alice = await createUser();
    const bob = await createUser();
    const admin = await createUser({ admin: true });
    const aliceJob = await queuedWorkspace(alice, "user");
    const globalJob = await queuedWorkspace(bob, "global");
    const bobRunner = await createInstance(bob);
    const globalRunner = await createInstance(admin, "global");
    const aliceRunner = await createInstance(alice);
    assert.deepEqual(
      (await lease(bobRunner.runnerToken)).body,
      { leased: false },
      "bob's user runner sees neither alice's job nor the global one",
    );
    const g = await lease(globalRunner.runnerToken);
    assert.equal(g.body.workspaceId, globalJob.workspaceId);
    assert.deepEqual(
      (await lease(globalRunner.runnerToken)).body,
      { leased: false },
      "global runner never gets user jobs",
    );
    const a = await lease(aliceRunner.runnerToken);
    assert.equal(a.body.workspaceId, aliceJob.workspaceId);
    assert.equal(typeof a.body.leaseExpiresAt, "number");
    assert.equal(a.body.workspace?.title, "A workspace");
  });

  it("heartbeat extends leaseExpiresAt; the stored lease agrees", async () => {
    const user = await createUser();
    const { workspaceId, jobId } = await queuedWorkspace(user);
    const runner = await createInstance(user);
    const leased = await lease(runner.runnerToken);
    await sleep(300);
    const beat = await call<{ ok: boolean; leaseExpiresAt: number }>("POST", "/heartbeatWorkspaceJob", {
      token: runner.runnerToken,
      body: { workspaceId },
    });
    assert.equal(beat.status, 200);
    assert.equal(beat.body.ok, true);
    assert.ok(beat.body.leaseExpiresAt > (leased.body.leaseExpiresAt ?? 0));
    const job = (await jobDoc(jobId)) as { status: string; leaseExpiresAt: { toMillis(): number } };
    assert.equal(job.status, "RUNNING");
    assert.equal(job.leaseExpiresAt.toMillis(), beat.body.leaseExpiresAt);
  });

  it("answers 409 on every runner route without a lease, and changes nothing", async () => {
    const user = await createUser();
    const { workspaceId, jobId } = await queuedWorkspace(user);
    const runner = await createInstance(user);
    const before = await snapshot(workspaceId, jobId);
    const bodies: [string, Record<string, unknown>][] = [
      ["heartbeatWorkspaceJob", { workspaceId }],
      ["getWorkspaceRunnerContext", { workspaceId }],
      ["updateWorkspaceRunnerSummary", { workspaceId, summaryText: "s", fromMessageId: "a", throughMessageId: "b" }],
      ["completeWorkspaceJob", minimalCompletion(workspaceId)],
      ["failWorkspaceJob", { workspaceId, error: "boom" }],
    ];
    for (const [route, body] of bodies) {
      const response = await call<{ error: string }>("POST", `/${route}`, { token: runner.runnerToken, body });
      assert.equal(response.status, 409, route);
      assert.equal(response.body.error, "LEASE_NOT_HELD", route);
    }
    assert.equal(await snapshot(workspaceId, jobId), before);
  });

  it("after the lease expires and is re-leased elsewhere, the first holder gets 409 everywhere and changes nothing", async function () {
    this.timeout(60_000);
    const user = await createUser();
    const { workspaceId, jobId } = await queuedWorkspace(user);
    const first = await createInstance(user);
    const second = await createInstance(user);
    assert.equal((await lease(first.runnerToken)).body.workspaceId, workspaceId);
    // Expired but not yet reaped: already refused.
    await sleep(LEASE_MS + 300);
    const late = await call("POST", "/heartbeatWorkspaceJob", { token: first.runnerToken, body: { workspaceId } });
    assert.equal(late.status, 409);
    await STACK_LOG.fireScheduled("reapExpiredLeases");
    const requeued = (await jobDoc(jobId)) as { status: string; attempts: number };
    assert.deepEqual([requeued.status, requeued.attempts], ["PENDING", 1]);
    assert.equal((await lease(second.runnerToken)).body.workspaceId, workspaceId);
    const before = await snapshot(workspaceId, jobId);
    for (const [route, body] of [
      ["heartbeatWorkspaceJob", { workspaceId }],
      ["getWorkspaceRunnerContext", { workspaceId }],
      ["completeWorkspaceJob", minimalCompletion(workspaceId)],
      ["failWorkspaceJob", { workspaceId, error: "late" }],
    ] as const) {
      const response = await call("POST", `/${route}`, { token: first.runnerToken, body });
      assert.equal(response.status, 409, route);
    }
    assert.equal(await snapshot(workspaceId, jobId), before);
    // The new holder is unaffected.
    assert.equal(
      (await call("POST", "/completeWorkspaceJob", { token: second.runnerToken, body: minimalCompletion(workspaceId) }))
        .status,
      200,
    );
  });

  it("builds the runner context with every field typed as the spec says, and stores a summary", async () => {
    const user = await createUser();
    const created = await call<{ workspace: { id: string } }>("POST", "/api/workspaces", {
      token: user.idToken,
      body: { title: "Ctx", idea: "An idea" },
    });
    const workspaceId = created.body.workspace.id;
    const ids: string[] = [];
    for (let i = 0; i < 9; i++) {
      const m = await call<{ message: { id: string } }>("POST", `/api/workspaces/${workspaceId}/messages`, {
        token: user.idToken,
        body: { text: `message ${i}` },
      });
      ids.push(m.body.message.id);
    }
    await call("POST", `/api/workspaces/${workspaceId}/generate`, { token: user.idToken, body: { target: "user" } });
    const runner = await createInstance(user);
    await lease(runner.runnerToken);
    const ctx = await call<Record<string, unknown>>("POST", "/getWorkspaceRunnerContext", {
      token: runner.runnerToken,
      body: { workspaceId },
    });
    assert.equal(ctx.status, 200);
    const c = ctx.body as {
      workspaceId: string;
      title: string;
      legacyIdea: string;
      messageCount: number;
      recentMessages: { id: string; role: string; text: string; createdAtMs: number }[];
      priorMessages: { id: string }[];
      recentText: string;
      priorTextVerbatim: string;
      recentTokenEstimate: number;
      priorTokenEstimate: number;
      priorNeedsSummarization: boolean;
      storedPriorSummary: unknown;
      storedSummaryCoversPrior: boolean;
    };
    assert.equal(c.workspaceId, workspaceId);
    assert.equal(c.title, "Ctx");
    assert.equal(c.legacyIdea, "An idea");
    assert.equal(c.messageCount, 9);
    assert.equal(c.recentMessages.length + c.priorMessages.length, 9);
    assert.deepEqual(
      [...c.priorMessages, ...c.recentMessages].map((m) => m.id),
      ids,
      "oldest first, split into prior then recent",
    );
    assert.ok(c.recentMessages.every((m) => m.role === "user" && typeof m.createdAtMs === "number"));
    assert.ok(c.recentText.includes("message 8"));
    assert.ok(c.priorTextVerbatim.includes("message 0"));
    assert.equal(typeof c.recentTokenEstimate, "number");
    assert.equal(typeof c.priorTokenEstimate, "number");
    assert.equal(c.priorNeedsSummarization, false);
    assert.equal(c.storedPriorSummary, null);
    assert.equal(c.storedSummaryCoversPrior, false);
    const first = c.priorMessages[0]?.id ?? "";
    const last = c.priorMessages[c.priorMessages.length - 1]?.id ?? "";
    const reversed = await call("POST", "/updateWorkspaceRunnerSummary", {
      token: runner.runnerToken,
      body: { workspaceId, summaryText: "s", fromMessageId: last, throughMessageId: first },
    });
    assert.equal(reversed.status, 400);
    const unknown = await call("POST", "/updateWorkspaceRunnerSummary", {
      token: runner.runnerToken,
      body: { workspaceId, summaryText: "s", fromMessageId: first, throughMessageId: "nope" },
    });
    assert.equal(unknown.status, 400);
    const saved = await call("POST", "/updateWorkspaceRunnerSummary", {
      token: runner.runnerToken,
      body: { workspaceId, summaryText: "The gist.", fromMessageId: first, throughMessageId: last },
    });
    assert.deepEqual([saved.status, saved.body], [200, { ok: true }]);
    const again = await call<{ storedPriorSummary: { text: string }; storedSummaryCoversPrior: boolean }>(
      "POST",
      "/getWorkspaceRunnerContext",
      { token: runner.runnerToken, body: { workspaceId } },
    );
    assert.equal(again.body.storedPriorSummary.text, "The gist.");
    assert.equal(again.body.storedSummaryCoversPrior, true);
  });

  it("accepts every deliverable kind at its cap, refuses one past (400, nothing stored), and a repeated completion is harmless", async function () {
    this.timeout(60_000);
    const user = await createUser();
    const { workspaceId, jobId } = await queuedWorkspace(user);
    const runner = await createInstance(user);
    await lease(runner.runnerToken);
    const n = <T>(count: number, make: (i: number) => T) => Array.from({ length: count }, (_, i) => make(i));
    const atCap = {
      ...minimalCompletion(workspaceId),
      assistantMessage: "All the things {{artifact:chart:c0}}",
      files: n(24, (i) => ({ name: `docs/f${i}.md`, content: "x".repeat(48_000) })),
      charts: n(12, (i) => ({
        id: `c${i}`,
        kind: "bar",
        labels: n(32, String),
        series: n(8, (s) => ({ name: `s${s}`, values: n(32, () => 1) })),
      })),
      datasets: n(8, (i) => ({
        id: `t${i}`,
        kind: "table",
        columns: n(12, (c) => `c${c}`),
        rows: n(80, () => n(12, () => "v")),
      })),
      lists: n(12, (i) => ({ id: `l${i}`, kind: "list", items: n(48, String) })),
      checklists: n(8, (i) => ({
        id: `k${i}`,
        kind: "checklist",
        items: n(64, (j) => ({ id: `i${j}`, label: "L", checked: j % 2 === 0 })),
      })),
      svgs: n(8, (i) => ({ id: `v${i}`, content: `<svg>${"x".repeat(63_989)}</svg>` })),
    };
    const before = await snapshot(workspaceId, jobId);
    const pastCap: [string, Record<string, unknown>][] = [
      ["files", { files: [...atCap.files, { name: "one-more.md", content: "x" }] }],
      ["charts", { charts: [...atCap.charts, { id: "c99", kind: "pie", segments: [{ label: "a", value: 1 }] }] }],
      ["datasets", { datasets: [...atCap.datasets, { id: "t99", kind: "table", columns: ["a"], rows: [] }] }],
      ["lists", { lists: [...atCap.lists, { id: "l99", kind: "list", items: ["x"] }] }],
      [
        "checklists",
        {
          checklists: [
            ...atCap.checklists,
            { id: "k99", kind: "checklist", items: [{ id: "a", label: "a", checked: true }] },
          ],
        },
      ],
      ["svgs", { svgs: [...atCap.svgs, { id: "v99", content: "<svg/>" }] }],
      ["files", { files: [{ name: "big.md", content: "x".repeat(48_001) }] }],
      // A script inside an <svg> is sanitised away, not refused (studio-hostile covers that); markup
      // that is no drawing at all is refused.
      ["svgs", { svgs: [{ id: "v", content: "<div>not a drawing</div>" }] }],
    ];
    for (const [slice, change] of pastCap) {
      const response = await call<{ error: string; detail: { slice: string } }>("POST", "/completeWorkspaceJob", {
        token: runner.runnerToken,
        body: { ...atCap, ...change },
      });
      assert.equal(response.status, 400, slice);
      assert.equal(response.body.detail.slice, slice);
    }
    assert.equal(await snapshot(workspaceId, jobId), before, "refused completions stored nothing");
    const done = await call<{ ok: boolean; messageId: string }>("POST", "/completeWorkspaceJob", {
      token: runner.runnerToken,
      body: atCap,
    });
    assert.equal(done.status, 200, JSON.stringify(done.body).slice(0, 500));
    const after = await snapshot(workspaceId, jobId);
    const again = await call<{ ok: boolean }>("POST", "/completeWorkspaceJob", {
      token: runner.runnerToken,
      body: atCap,
    });
    assert.deepEqual([again.status, again.body.ok], [200, true]);
    assert.equal(await snapshot(workspaceId, jobId), after, "a repeated completion writes nothing");
    const different = await call("POST", "/completeWorkspaceJob", {
      token: runner.runnerToken,
      body: { ...atCap, assistantMessage: "other" },
    });
    assert.equal(different.status, 409);
    const ws = adminDb().collection("workspaces").doc(workspaceId);
    assert.equal((await ws.collection("deliverables").get()).size, 24 + 12 + 8 + 12 + 8 + 8);
    const view = await call<{ workspace: { activeJobId: string | null } }>("GET", `/api/workspaces/${workspaceId}`, {
      token: user.idToken,
    });
    assert.equal(view.body.workspace.activeJobId, null);
    assert.equal(((await jobDoc(jobId)) as { status: string }).status, "SUCCEEDED");
  });

  it("reaper: requeues with attempts+1, fails after maxAttempts, and two reapers at once act once", async function () {
    this.timeout(60_000);
    const user = await createUser();
    const { workspaceId, jobId } = await queuedWorkspace(user);
    await adminDb().collection("jobs").doc(jobId).update({ maxAttempts: 2 });
    const runner = await createInstance(user);
    assert.equal((await lease(runner.runnerToken)).body.leased, true);
    await sleep(LEASE_MS + 300);
    await Promise.all([STACK_LOG.fireScheduled("reapExpiredLeases"), STACK_LOG.fireScheduled("reapExpiredLeases")]);
    let job = (await jobDoc(jobId)) as { status: string; attempts: number; lease: unknown };
    assert.deepEqual([job.status, job.attempts, job.lease], ["PENDING", 1, null], "requeued once, not twice");
    assert.equal((await lease(runner.runnerToken)).body.leased, true);
    await sleep(LEASE_MS + 300);
    await Promise.all([STACK_LOG.fireScheduled("reapExpiredLeases"), STACK_LOG.fireScheduled("reapExpiredLeases")]);
    job = (await jobDoc(jobId)) as { status: string; attempts: number; lease: unknown };
    assert.deepEqual([job.status, job.attempts], ["FAILED", 2]);
    const ws = await adminDb().collection("workspaces").doc(workspaceId).get();
    assert.equal(ws.get("activeJobId"), null, "the workspace is freed");
    assert.equal(ws.get("lastJobStatus"), "FAILED");
    await STACK_LOG.fireScheduled("reapExpiredLeases");
    assert.equal(((await jobDoc(jobId)) as { attempts: number }).attempts, 2, "idempotent");
  });

  it("allows one active job per workspace", async () => {
    const user = await createUser();
    const { workspaceId } = await queuedWorkspace(user);
    const second = await call<{ error: string }>("POST", `/api/workspaces/${workspaceId}/generate`, {
      token: user.idToken,
      body: { target: "user" },
    });
    assert.equal(second.status, 409);
    assert.equal(second.body.error, "ACTIVE_JOB_EXISTS");
    const racing = await Promise.all(
      Array.from({ length: 5 }, async () => {
        const { workspace } = (
          await call<{ workspace: { id: string } }>("POST", "/api/workspaces", {
            token: user.idToken,
            body: { title: "race" },
          })
        ).body;
        return workspace.id;
      }),
    );
    for (const id of racing) {
      const answers = await Promise.all(
        Array.from({ length: 4 }, () =>
          call("POST", `/api/workspaces/${id}/generate`, { token: user.idToken, body: { target: "user" } }),
        ),
      );
      assert.equal(answers.filter((a) => a.status === 201).length, 1);
      assert.equal(answers.filter((a) => a.status === 409).length, 3);
    }
  });

  it("fail ends the job and frees the workspace", async () => {
    const user = await createUser();
    const { workspaceId, jobId } = await queuedWorkspace(user);
    const runner = await createInstance(user);
    await lease(runner.runnerToken);
    const failed = await call("POST", "/failWorkspaceJob", {
      token: runner.runnerToken,
      body: { workspaceId, error: "model unavailable" },
    });
    assert.deepEqual([failed.status, failed.body], [200, { ok: true }]);
    const job = (await jobDoc(jobId)) as { status: string; error: string };
    assert.deepEqual([job.status, job.error], ["FAILED", "model unavailable"]);
    const view = await call<{ job: { status: string }; workspace: { activeJobId: null } }>(
      "GET",
      `/api/workspaces/${workspaceId}`,
      { token: user.idToken },
    );
    assert.equal(view.body.job.status, "FAILED");
    assert.equal(view.body.workspace.activeJobId, null);
  });

  it("a completion writes the job and its reply, not the workspace; readers see it idle, and what follows comes after the reply", async function () {
    this.timeout(60_000);
    const user = await createUser();
    const { workspaceId, jobId } = await queuedWorkspace(user);
    const runner = await createInstance(user);
    assert.equal((await lease(runner.runnerToken)).body.leased, true);
    const ws = adminDb().collection("workspaces").doc(workspaceId);
    const before = (await ws.get()).updateTime;
    const done = await call("POST", "/completeWorkspaceJob", {
      token: runner.runnerToken,
      body: minimalCompletion(workspaceId),
    });
    assert.deepEqual([done.status, (done.body as { ok: boolean }).ok], [200, true], JSON.stringify(done.body));
    const after = (await ws.get()).updateTime;
    assert.ok(before !== undefined && after?.isEqual(before) === true, "the completion wrote the workspace");

    type View = {
      workspace: { activeJobId: string | null; lastJobId: string | null; lastJobStatus: string | null };
      messages: { role: string; seq: number }[];
    };
    const view = async () => (await call<View>("GET", `/api/workspaces/${workspaceId}`, { token: user.idToken })).body;
    const settled = await view();
    assert.deepEqual(settled.workspace, {
      ...settled.workspace,
      activeJobId: null,
      lastJobId: jobId,
      lastJobStatus: "SUCCEEDED",
    });
    const listed = await call<{ workspaces: View["workspace"][] }>("GET", "/api/workspaces", { token: user.idToken });
    assert.equal(listed.status, 200, JSON.stringify(listed.body));
    const inList = JSON.stringify(listed.body).includes(`"lastJobStatus":"SUCCEEDED"`);
    assert.ok(inList, JSON.stringify(listed.body));
    const late = await call("POST", "/heartbeatWorkspaceJob", { token: runner.runnerToken, body: { workspaceId } });
    assert.equal(late.status, 409);
    assert.match(JSON.stringify(late.body), /no active lease on this workspace/);

    // The next message comes after the reply; a new generation may start.
    const posted = await call("POST", `/api/workspaces/${workspaceId}/messages`, {
      token: user.idToken,
      body: { text: "And now?" },
    });
    assert.equal(posted.status, 201, JSON.stringify(posted.body));
    assert.deepEqual(
      (await view()).messages.map((m) => [m.role, m.seq]),
      [
        ["user", 1],
        ["assistant", 2],
        ["user", 3],
      ],
    );
    const again = await call<{ jobId: string }>("POST", `/api/workspaces/${workspaceId}/generate`, {
      token: user.idToken,
      body: { target: "user" },
    });
    assert.equal(again.status, 201, JSON.stringify(again.body));
    const busy = await call("POST", `/api/workspaces/${workspaceId}/generate`, {
      token: user.idToken,
      body: { target: "user" },
    });
    assert.equal(busy.status, 409, JSON.stringify(busy.body));
    assert.equal((await view()).workspace.activeJobId, again.body.jobId);
  });

  it("a repeated fail by the holder answers ok and writes nothing; a different reason is 409", async () => {
    const user = await createUser();
    const { workspaceId, jobId } = await queuedWorkspace(user);
    const runner = await createInstance(user);
    await lease(runner.runnerToken);
    const body = { workspaceId, error: "model unavailable" };
    assert.deepEqual((await call("POST", "/failWorkspaceJob", { token: runner.runnerToken, body })).body, { ok: true });
    const before = await snapshot(workspaceId, jobId);
    const again = await call("POST", "/failWorkspaceJob", {
      token: runner.runnerToken,
      body: { error: "model unavailable", workspaceId, jobId },
    });
    assert.deepEqual([again.status, again.body], [200, { ok: true }]);
    const other = await call<{ error: string }>("POST", "/failWorkspaceJob", {
      token: runner.runnerToken,
      body: { workspaceId, error: "something else" },
    });
    assert.equal(other.status, 409);
    const stranger = await createInstance(await createUser());
    assert.equal(
      (await call("POST", "/failWorkspaceJob", { token: stranger.runnerToken, body })).status,
      409,
      "only the holder's repeat is ok",
    );
    assert.equal(await snapshot(workspaceId, jobId), before, "the repeats changed nothing");
  });

  it("complete and fail take the lease answer's jobId and refuse one meant for another job", async () => {
    const user = await createUser();
    const { workspaceId, jobId: first } = await queuedWorkspace(user);
    const runner = await createInstance(user);
    const leased = await lease(runner.runnerToken);
    assert.equal(leased.body.workspace?.jobId, first);
    const done = await call<{ ok: boolean; messageId: string }>("POST", "/completeWorkspaceJob", {
      token: runner.runnerToken,
      body: { ...minimalCompletion(workspaceId), jobId: first },
    });
    assert.equal(done.status, 200, JSON.stringify(done.body));
    // The next generation of the same workspace, leased by the same runner.
    assert.equal(
      (await call("POST", `/api/workspaces/${workspaceId}/messages`, { token: user.idToken, body: { text: "Again." } }))
        .status,
      201,
    );
    const next = await call<{ jobId: string }>("POST", `/api/workspaces/${workspaceId}/generate`, {
      token: user.idToken,
      body: { target: "user" },
    });
    const second = next.body.jobId;
    assert.equal((await lease(runner.runnerToken)).body.workspace?.jobId, second);
    const before = await snapshot(workspaceId, second);
    // A late retry of the first completion names the first job: ok, and the second is untouched.
    const late = await call<{ ok: boolean; messageId: string }>("POST", "/completeWorkspaceJob", {
      token: runner.runnerToken,
      body: { ...minimalCompletion(workspaceId), jobId: first },
    });
    assert.deepEqual([late.status, late.body.messageId], [200, done.body.messageId]);
    // Another answer meant for the first job does not land on the second.
    const meantForFirst = { ...minimalCompletion(workspaceId), assistantMessage: "Second try.", jobId: first };
    assert.equal(
      (await call("POST", "/completeWorkspaceJob", { token: runner.runnerToken, body: meantForFirst })).status,
      409,
    );
    assert.equal(
      (
        await call("POST", "/failWorkspaceJob", {
          token: runner.runnerToken,
          body: { workspaceId, jobId: first, error: "late" },
        })
      ).status,
      409,
    );
    // A job of another workspace, or none, is refused too.
    const elsewhere = await queuedWorkspace(user, "user", "Elsewhere");
    for (const jobId of [elsewhere.jobId, "no-such-job"]) {
      assert.equal(
        (
          await call("POST", "/completeWorkspaceJob", {
            token: runner.runnerToken,
            body: { ...minimalCompletion(workspaceId), jobId },
          })
        ).status,
        409,
        jobId,
      );
      assert.equal(
        (
          await call("POST", "/failWorkspaceJob", {
            token: runner.runnerToken,
            body: { workspaceId, jobId, error: "x" },
          })
        ).status,
        409,
        jobId,
      );
    }
    assert.equal(await snapshot(workspaceId, second), before, "refused calls changed nothing");
    assert.equal(((await jobDoc(second)) as { status: string }).status, "LEASED");
    const own = await call("POST", "/completeWorkspaceJob", {
      token: runner.runnerToken,
      body: { ...minimalCompletion(workspaceId), jobId: second },
    });
    assert.equal(own.status, 200);
    assert.equal(((await jobDoc(second)) as { status: string }).status, "SUCCEEDED");
  });

  it("end to end: a runner process written against the wire contract completes a job, and the workspace shows the reply", async function () {
    this.timeout(90_000);
    const user = await createUser();
    const { workspaceId } = await queuedWorkspace(user, "user", "Launch plan");
    for (let i = 0; i < 7; i++)
      await call("POST", `/api/workspaces/${workspaceId}/messages`, {
        token: user.idToken,
        body: { text: `detail ${i}` },
      });
    const runner = await createInstance(user);
    const { stdout } = await promisify(execFile)(
      join(process.cwd(), "node_modules/.bin/tsx"),
      ["examples/workspace-runner.ts"],
      {
        env: { ...process.env, RUNNER_API_BASE: API_BASE, RUNNER_TOKEN: runner.runnerToken },
      },
    );
    const events = stdout
      .trim()
      .split("\n")
      .map((l) => (JSON.parse(l) as { event: string }).event);
    assert.deepEqual(events, ["leased", "context", "summarised", "heartbeat", "completed"]);
    const view = await eventually(async () => {
      const r = await call<{
        messages: { role: string; text: string; deliverables: { kind: string; deliverableId: string }[] }[];
        job: { status: string };
      }>("GET", `/api/workspaces/${workspaceId}`, { token: user.idToken });
      return r.body.job.status === "SUCCEEDED" ? r.body : undefined;
    });
    const reply = view.messages[view.messages.length - 1];
    assert.equal(reply?.role, "assistant");
    assert.ok(reply?.text.startsWith("Here is the plan for Launch plan"));
    assert.deepEqual(reply?.deliverables.map((d) => d.kind).sort(), [
      "chart",
      "checklist",
      "file",
      "list",
      "svg",
      "table",
    ]);
    const file = reply?.deliverables.find((d) => d.kind === "file");
    const download = await fetch(`${API_BASE}/api/workspaces/${workspaceId}/files/${file?.deliverableId ?? ""}`, {
      headers: { authorization: `Bearer ${user.idToken}` },
    });
    assert.equal(download.status, 200);
    assert.equal(download.headers.get("x-content-type-options"), "nosniff");
    assert.equal(download.headers.get("content-security-policy"), "sandbox");
    assert.match(download.headers.get("content-disposition") ?? "", /^attachment; /);
    assert.equal(await download.text(), "# Plan\n\n1. Build it.\n2. Ship it.", "stored trimmed, as the spec says");
  });
});
