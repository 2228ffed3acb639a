/**
 * An rpc route (`/plugins/*`, `/test/*`) past its wait (RPC_WAIT_MS, 6 s in the tests): a request
 * no runner took is withdrawn (CANCELLED, with why; out of the pending-jobs quota and the gauges),
 * one a runner holds is left to it and its answer is stored, and a runner leasing at the very
 * deadline never ends up holding a cancelled job.
 */
import assert from "node:assert/strict";
import type { MetricsAnswer } from "../../contract/src/metrics";
import { adminDb, call, type ApiResponse } from "../harness/stack";
import { jobBody, jobsUser, leaseJobs, type JobsUser, type Leased } from "./jobs-fixtures";

const WAIT_MS = 6_000;
/** How long after a request's deadline the runner that holds it answers. */
const ANSWER_AFTER_MS = 500;
/** Requests racing the runner's leases at their deadlines. */
const CALLS = 4;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

interface Timeout {
  /** Only on a 200 (the runner's answer). */
  answer?: unknown;
  error: string;
  reason: string;
  jobId: string;
  cancelled: boolean;
  status: string;
  runnerId?: string;
}

/** The team's job gauges and ended counts over its queues, as `GET /api/metrics` answers them. */
async function gauges(owner: JobsUser): Promise<Record<string, number>> {
  const metrics = await call<MetricsAnswer>("GET", "/api/metrics", {
    token: owner.user.idToken,
    headers: { accept: "application/json" },
  });
  assert.equal(metrics.status, 200, JSON.stringify(metrics.body));
  const sums: Record<string, number> = {};
  for (const q of metrics.body.queues)
    for (const [state, n] of [...Object.entries(q.jobs), ...Object.entries(q.finished)])
      sums[state] = (sums[state] ?? 0) + n;
  return sums;
}

describe("rpc routes past their wait", function () {
  this.timeout(90_000);
  let owner: JobsUser;

  before(async function () {
    this.timeout(180_000);
    // The functions these tests call, started before the tests (a cold worker takes seconds to
    // boot). The deadline test waits on CALLS requests at once, each holding a worker of the route
    // for its whole wait: as many calls arriving together boot as many workers now.
    await Promise.all(
      Array.from({ length: CALLS }, async () => {
        const response = await call("POST", "/test/git", { body: {} });
        assert.equal(response.status, 401);
      }),
    );
    for (const [method, path] of [
      ["POST", "/jobs/runner/lease"],
      ["GET", "/jobs/warm-up"],
      ["POST", "/jobs"],
      ["POST", "/jobs/warm-up/runner/complete"],
    ] as const) {
      const response = await call(method, path, method === "GET" ? {} : { body: {} });
      assert.equal(response.status, 401, `${method} ${path}: ${response.status}`);
    }
  });

  beforeEach(async () => {
    owner = await jobsUser();
    // A runner offering git is online: it leased once (nothing to lease), which wrote its presence.
    assert.deepEqual(await leaseJobs(owner.runnerKey, "git-runner", { capabilities: ["git"] }), []);
  });

  it("cancels a request no runner took: 504 says so, the job ends CANCELLED with why, the quota and gauges get it back", async () => {
    // One pending job at most for this team: the cancelled request must not keep the place.
    await adminDb().collection("quotas").doc(`pendingJobs:team:${owner.user.uid}`).set({ limit: 1 });
    const started = Date.now();
    const answer = await call<Timeout>("POST", "/test/git", {
      token: owner.writeKey,
      body: { repo: "org/api" },
    });
    const waited = Date.now() - started;
    assert.equal(answer.status, 504, JSON.stringify(answer.body));
    assert.deepEqual(
      {
        error: answer.body.error,
        reason: answer.body.reason,
        cancelled: answer.body.cancelled,
        status: answer.body.status,
      },
      { error: "RUNNER_TIMEOUT", reason: "timeout", cancelled: true, status: "CANCELLED" },
    );
    assert.ok(waited >= WAIT_MS, `answered after ${waited} ms`);
    const polled = await call("GET", `/jobs/${answer.body.jobId}`, { token: owner.writeKey });
    assert.equal(polled.status, 200);
    assert.equal(polled.body.status, "CANCELLED");
    assert.equal(polled.body.error, `No runner took this request within ${WAIT_MS} ms.`);
    const pending = await adminDb()
      .collection("jobs")
      .where("teamId", "==", owner.user.uid)
      .where("status", "==", "PENDING")
      .count()
      .get();
    assert.equal(pending.data().count, 0);
    const counted = await gauges(owner);
    assert.equal(counted.pending ?? 0, 0, JSON.stringify(counted));
    assert.equal(counted.cancelled, 1, JSON.stringify(counted));
    // The team's one pending place is free again (a request left PENDING would make this 429).
    const next = await call("POST", "/jobs", { token: owner.writeKey, body: jobBody() });
    assert.equal(next.status, 201, JSON.stringify(next.body));
    // And no runner is handed the withdrawn request.
    const later = await leaseJobs(owner.runnerKey, "git-runner", { capabilities: ["git"] });
    assert.ok(!later.some((j) => j.id === answer.body.jobId));
  });

  it("a runner leasing at the deadline never holds a cancelled request; what it holds is answered as usual", async () => {
    const answers = Promise.all(
      Array.from({ length: CALLS }, () => call<Timeout>("POST", "/test/git", { token: owner.writeKey, body: {} })),
    );
    // Each request's deadline is RPC_WAIT_MS after its job was written (the route then starts
    // waiting). Lease calls aimed around those deadlines, oldest first as the queue hands them out,
    // some a little before and some a little after: each races a withdrawal.
    let created: { id: string; at: number }[] = [];
    // Queued within a second on a quiet machine; a busy one can take its workers many more.
    for (const until = Date.now() + 30_000; created.length < CALLS && Date.now() < until;) {
      await sleep(100);
      const snap = await adminDb().collection("jobs").where("teamId", "==", owner.user.uid).get();
      created = snap.docs.map((d) => ({ id: d.id, at: d.createTime.toMillis() })).sort((a, b) => a.at - b.at);
    }
    assert.equal(created.length, CALLS, "every request queued");
    const spread = (created.at(-1)?.at ?? 0) - (created[0]?.at ?? 0);
    const OFFSETS_MS = [-150, -40, 0, 60];
    const leased: Leased[] = [];
    // Whatever the runner holds it answers just after that request's deadline (its caller's 504;
    // and well within the tests' 4 s leases): the answer is stored as usual, for a poll of
    // GET /jobs/:jobId.
    const completions: Promise<ApiResponse>[] = [];
    for (const [i, job] of created.entries()) {
      await sleep(job.at + WAIT_MS + (OFFSETS_MS[i] ?? 0) - Date.now());
      const got = await leaseJobs(owner.runnerKey, "git-runner", { capabilities: ["git"], limit: 1 });
      leased.push(...got);
      for (const held of got) {
        const deadline = (created.find((c) => c.id === held.id)?.at ?? Date.now()) + WAIT_MS;
        completions.push(
          sleep(deadline + ANSWER_AFTER_MS - Date.now()).then(() =>
            call("POST", `/jobs/${held.id}/runner/complete`, {
              token: owner.runnerKey,
              body: { runnerId: "git-runner", leaseToken: held.leaseToken, result: { answer: { ok: true } } },
            }),
          ),
        );
      }
    }
    const settled = await answers;
    for (const done of await Promise.all(completions)) assert.equal(done.status, 200, JSON.stringify(done.body));
    let cancelled = 0;
    for (const answer of settled) {
      const job = (await adminDb().collection("jobs").doc(answer.body.jobId).get()).data();
      const taken = leased.find((l) => l.id === answer.body.jobId);
      if (answer.status === 200) {
        // Answered within the wait after all (a busy machine can delay the 504 past the answer).
        assert.ok(taken !== undefined, `${answer.body.jobId}: answered, yet nobody leased it`);
        assert.deepEqual(answer.body.answer, { ok: true });
        continue;
      }
      assert.equal(answer.status, 504, JSON.stringify(answer.body));
      if (answer.body.cancelled) {
        cancelled++;
        assert.equal(taken, undefined, `${answer.body.jobId}: cancelled and leased`);
        assert.equal(job?.status, "CANCELLED");
        assert.equal(job?.lease, null);
      } else {
        assert.ok(taken !== undefined, `${answer.body.jobId}: not cancelled, yet nobody leased it`);
        assert.equal(answer.body.runnerId, "git-runner");
        assert.equal(job?.status, "SUCCEEDED", "held, not cancelled, then answered");
        assert.equal((job?.control as { cancelRequested: boolean }).cancelRequested, false);
      }
    }
    for (const job of leased) {
      const polled = await call<{ status: string; result: { answer: unknown } }>("GET", `/jobs/${job.id}`, {
        token: owner.writeKey,
      });
      assert.equal(polled.body.status, "SUCCEEDED");
      assert.deepEqual(polled.body.result.answer, { ok: true });
    }
    const counted = await gauges(owner);
    assert.equal(counted.pending ?? 0, 0, JSON.stringify(counted));
    assert.equal(counted.cancelled ?? 0, cancelled, JSON.stringify(counted));
    console.log(
      `      at the deadline: ${leased.length} leased, ${cancelled} cancelled of ${CALLS} (queued within ${spread} ms)`,
    );
  });
});
