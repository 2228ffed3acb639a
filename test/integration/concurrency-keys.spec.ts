/**
 * Concurrency keys (issue 16 item 4): at most `concurrencyLimit` of a team's jobs with one
 * `concurrencyKey` are leased at once, however many runners claim together, and jobs held back
 * by their key never hide the jobs behind them. The many-claimer test runs the project's own
 * exports in this process (test/harness/inProcess.ts, over the stack's Firestore): one process
 * holds ten concurrent lease calls, as one production instance does, where the functions emulator
 * would boot a worker per open call. Their claims still race on the same documents.
 */
import assert from "node:assert/strict";
import { Timestamp } from "firebase-admin/firestore";
import { pendingShardFor } from "../../functions/src/core/jobs/model";
import { personalTeamId } from "../../functions/src/core/teams/ensurePersonalTeam";
import { serveFunctionsInProcess, type InProcessFunctions } from "../harness/inProcess";
import { adminDb, call } from "../harness/stack";
import { createJob, jobBody, jobsUser, warmUp, type Leased } from "./jobs-fixtures";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const HELD = ["LEASED", "RUNNING"];

/** Writes `count` copies of a job the API created, each with its own id, pending shard and age. */
async function cloneJob(templateId: string, count: number, ageMs = 0): Promise<string[]> {
  const template = (await adminDb().collection("jobs").doc(templateId).get()).data() as Record<string, unknown> & {
    queue: string;
    tags: string[];
  };
  const batch = adminDb().batch();
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const ref = adminDb().collection("jobs").doc();
    batch.create(ref, {
      ...template,
      enqueuedAt: Timestamp.fromMillis(Date.now() + ageMs + i),
      pendingShard: pendingShardFor(template.queue, ref.id, template.tags),
    });
    ids.push(ref.id);
  }
  await batch.commit();
  return ids;
}

describe("concurrency keys", () => {
  let functions: InProcessFunctions;

  before(async function () {
    this.timeout(300_000);
    await warmUp([
      ["/jobs", 1],
      ["/jobs/runner/lease", 1],
    ]);
    functions = await serveFunctionsInProcess();
  });

  after(async () => {
    await functions.stop();
  });

  it("20 jobs sharing a key with limit 2, 10 concurrent claimers: never more than 2 leased, all 20 finish, and a plain job is not held back", async function () {
    this.timeout(120_000);
    const { user, runnerKey } = await jobsUser();
    const team = personalTeamId(user.uid);
    const base = functions.base;
    const created = await call<{ id: string; concurrencyKey: string; concurrencyLimit: number }>("POST", "/jobs", {
      base,
      token: user.idToken,
      body: jobBody({ concurrencyKey: "deploy/prod", concurrencyLimit: 2, priority: 5 }),
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.concurrencyKey, "deploy/prod");
    assert.equal(created.body.concurrencyLimit, 2);
    // 19 more like it (an HTTP create each would take most of the test's time here).
    const keyed = [created.body.id, ...(await cloneJob(created.body.id, 19))];
    // Lower priority and younger than all 20: only the key may let it pass them.
    const plain = await createJob(user.idToken, { priority: 0 });

    // The stored state, sampled throughout: jobs of the key held at once, and the slot's holders.
    let watching = true;
    let mostHeld = 0;
    let mostHolders = 0;
    let samples = 0;
    const watcher = (async () => {
      while (watching) {
        const [held, slots] = await Promise.all([
          adminDb().collection("jobs").where("concurrencyKey", "==", "deploy/prod").get(),
          adminDb().collection("concurrencySlots").where("key", "==", "deploy/prod").get(),
        ]);
        const own = held.docs.filter((d) => d.data().teamId === team && HELD.includes(d.data().status as string));
        mostHeld = Math.max(mostHeld, own.length);
        for (const slot of slots.docs)
          if (slot.data().teamId === team)
            mostHolders = Math.max(mostHolders, (slot.data().holders as string[]).length);
        samples++;
        await sleep(20);
      }
    })();

    const finished: string[] = [];
    const leasedBy = new Map<string, string>();
    const claimer = async (runnerId: string) => {
      for (let idle = 0; finished.length < 21 && idle < 40;) {
        const answer = await call<{ jobs: Leased[] }>("POST", "/jobs/runner/lease", {
          base,
          token: runnerKey,
          body: { runnerId, waitMs: 1_000 },
        });
        assert.equal(answer.status, 200, JSON.stringify(answer.body));
        const [job] = answer.body.jobs;
        if (job === undefined) {
          idle++;
          continue;
        }
        assert.equal(leasedBy.get(job.id), undefined, `${job.id} leased twice`);
        leasedBy.set(job.id, runnerId);
        await sleep(150); // the work
        const done = await call("POST", `/jobs/${job.id}/runner/complete`, {
          base,
          token: runnerKey,
          body: { runnerId, leaseToken: job.leaseToken, result: { by: runnerId } },
        });
        assert.equal(done.status, 200, JSON.stringify(done.body));
        finished.push(job.id);
      }
    };
    const started = Date.now();
    await Promise.all(Array.from({ length: 10 }, (_, i) => claimer(`c${i}`)));
    const tookMs = Date.now() - started;
    console.log(`      (20 keyed + 1 plain job through 10 claimers: ${tookMs} ms, ${samples} samples)`);
    watching = false;
    await watcher;

    assert.deepEqual([...finished].sort(), [...keyed, plain.id].sort(), "every job finished once");
    assert.ok(samples >= 10, `state sampled throughout (${samples} samples in ${tookMs} ms)`);
    assert.ok(mostHeld <= 2, `never more than 2 held at once (saw ${mostHeld})`);
    assert.ok(mostHolders <= 2, `the slot never listed more than 2 holders (saw ${mostHolders})`);
    assert.ok(mostHeld === 2, "the limit was used (2 at once)");
    assert.ok(
      finished.indexOf(plain.id) < 6,
      `the plain job was not held back behind the key (finished ${finished.indexOf(plain.id) + 1}th)`,
    );
    const stored = await Promise.all(
      keyed.map(async (id) => (await adminDb().collection("jobs").doc(id).get()).data()),
    );
    assert.ok(
      stored.every((job) => job?.status === "SUCCEEDED"),
      "all SUCCEEDED",
    );
    const slots = await adminDb().collection("concurrencySlots").where("key", "==", "deploy/prod").get();
    const slot = slots.docs.find((d) => d.data().teamId === team)?.data();
    assert.deepEqual(slot?.holders, [], "every slot given back");
    assert.equal(slot?.parked, 0, "nothing left parked");
  });

  it("a plain job is leased on the second call with 60 jobs of a full key (higher priority, older) ahead of it", async function () {
    this.timeout(60_000);
    const { user, runnerKey } = await jobsUser();
    const first = await createJob(user.idToken, { concurrencyKey: "one-at-a-time", priority: 10 });
    const template = (await adminDb().collection("jobs").doc(first.id).get()).data() as Record<string, unknown>;
    await cloneJob(first.id, 60, -60_000);
    const plain = await createJob(user.idToken, { priority: 0 });
    // Served from this process: the calls below must fit in the tests' 4 s lease.
    const leaseJobs = async (key: string, runnerId: string) => {
      const answer = await call<{ jobs: Leased[] }>("POST", "/jobs/runner/lease", {
        base: functions.base,
        token: key,
        body: { runnerId },
      });
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      return answer.body.jobs;
    };
    const [held] = await leaseJobs(runnerKey, "r1");
    assert.equal(
      (
        await adminDb()
          .collection("jobs")
          .doc(held?.id ?? "none")
          .get()
      ).data()?.concurrencyKey,
      "one-at-a-time",
    );
    const next = await leaseJobs(runnerKey, "r2");
    assert.deepEqual(
      next.map((j) => j.id),
      [plain.id],
      "the key's 60 other jobs (limit 1, taken) did not hide it",
    );
    assert.deepEqual(await leaseJobs(runnerKey, "r3"), [], "nothing else may be leased");
    // The held-back jobs wait outside the window; when the holder ends, the best of them comes back.
    const keyed = await adminDb().collection("jobs").where("concurrencyKey", "==", "one-at-a-time").get();
    const parked = keyed.docs.filter(
      (d) =>
        d.data().teamId === template.teamId &&
        String(d.data().pendingShard).startsWith(`${String(template.queue)}#key#`),
    );
    assert.equal(parked.length, 60, "the key's waiting jobs are parked outside the claim windows");
    const fail = await call("POST", `/jobs/${held?.id}/runner/fail`, {
      base: functions.base,
      token: runnerKey,
      body: { runnerId: "r1", leaseToken: held?.leaseToken, error: "no" },
    });
    assert.equal(fail.status, 200, JSON.stringify(fail.body));
    const again = await leaseJobs(runnerKey, "r4");
    assert.equal(again.length, 1, "the slot freed, one of the key's jobs is leased");
    assert.equal(
      (
        await adminDb()
          .collection("jobs")
          .doc(again[0]?.id ?? "none")
          .get()
      ).data()?.concurrencyKey,
      "one-at-a-time",
    );
  });

  it("concurrencyLimit 0, non-integer or over 100, a key too long or empty, a limit without a key: 400, nothing created", async function () {
    this.timeout(30_000);
    const { user } = await jobsUser();
    for (const extra of [
      { concurrencyKey: "k", concurrencyLimit: 0 },
      { concurrencyKey: "k", concurrencyLimit: 1.5 },
      { concurrencyKey: "k", concurrencyLimit: 101 },
      { concurrencyKey: "k".repeat(201) },
      { concurrencyKey: "  " },
      { concurrencyKey: 7 },
      { concurrencyLimit: 2 },
    ]) {
      const answer = await call<{ error?: { code?: string } }>("POST", "/jobs", {
        token: user.idToken,
        body: jobBody(extra),
      });
      assert.equal(answer.status, 400, JSON.stringify(extra));
    }
    const list = await call<{ jobs: unknown[] }>("GET", "/jobs", { token: user.idToken });
    assert.equal(list.body.jobs.length, 0, "nothing created");
  });
});
