import assert from "node:assert/strict";
import { adminDb, call } from "../harness/stack";
import {
  claim,
  fleetOwner,
  heldCount,
  queued,
  registered,
  resultBody,
  submit,
  type Runner,
  type Task,
} from "./fleet-fixtures";

/** Every review job's stored holder, by job id. */
async function holders(): Promise<Map<string, string | null>> {
  const snap = await adminDb().collection("jobs").get();
  return new Map(snap.docs.map((d) => [d.id, (d.get("lease") as { holder: string } | null)?.holder ?? null]));
}

describe("fleet claims under concurrency (seed 004)", () => {
  it("20 runners claiming at once never share a task and never exceed their concurrency; stored holders and counts agree", async function () {
    this.timeout(180_000);
    const { user, key } = await fleetOwner();
    const MAX = 2;
    const RUNNERS = 20;
    const TASKS = 50;
    for (let i = 0; i < TASKS; i++) await queued(user.idToken);
    const ids = Array.from({ length: RUNNERS }, (_, i) => `runner-${i}`);
    for (const id of ids) await registered(key, id, MAX);

    const got = new Map<string, Task[]>(ids.map((id) => [id, []]));
    // Two rounds of 20 concurrent claims, each asking for more than fits.
    for (let round = 0; round < 2; round++) {
      const answers = await Promise.all(ids.map((id) => claim(key, id, 5)));
      answers.forEach((answer, i) => {
        assert.equal(answer.status, 200, JSON.stringify(answer.body));
        got.get(ids[i] ?? "")?.push(...answer.body.data);
      });
    }
    const all = [...got.values()].flat();
    assert.equal(new Set(all.map((t) => t.id)).size, all.length, "no task handed out twice");
    for (const [id, tasks] of got) assert.ok(tasks.length <= MAX, `${id} got ${tasks.length}`);

    // The second round fills every runner: 40 held, 10 still pending.
    assert.equal(all.length, RUNNERS * MAX);
    const stored = await holders();
    assert.equal([...stored.values()].filter((h) => h === null).length, TASKS - RUNNERS * MAX);
    for (const [id, tasks] of got) {
      for (const task of tasks) assert.equal(stored.get(task.id), `${user.uid}:${id}`);
      assert.equal(await heldCount(user.uid, id), tasks.length, `${id}'s held count`);
    }
  });

  it("one runner claiming from six callers at once still gets no more than its concurrency", async function () {
    this.timeout(60_000);
    const { user, key } = await fleetOwner();
    for (let i = 0; i < 8; i++) await queued(user.idToken);
    await registered(key, "greedy", 3);
    const answers = await Promise.all(Array.from({ length: 6 }, () => claim(key, "greedy", 5)));
    assert.ok(
      answers.every((a) => a.status === 200),
      JSON.stringify(answers.map((a) => a.body)),
    );
    const all = answers.flatMap((a) => a.body.data.map((t) => t.id));
    assert.equal(all.length, 3);
    assert.equal(new Set(all).size, 3);
    const stored = await holders();
    assert.equal([...stored.values()].filter((h) => h === `${user.uid}:greedy`).length, 3);
    assert.equal(await heldCount(user.uid, "greedy"), 3);
  });

  it("ten claims of one task each by one runner at once fill exactly its three slots, none twice", async function () {
    this.timeout(60_000);
    const { user, key } = await fleetOwner();
    for (let i = 0; i < 8; i++) await queued(user.idToken);
    await registered(key, "ten", 3);
    const answers = await Promise.all(Array.from({ length: 10 }, () => claim(key, "ten", 1)));
    assert.ok(
      answers.every((a) => a.status === 200),
      JSON.stringify(answers.map((a) => a.body)),
    );
    const all = answers.flatMap((a) => a.body.data.map((t) => t.id));
    // Not fewer: a claim meeting another one of the same runner counts again rather than giving up.
    assert.equal(all.length, 3, JSON.stringify(answers.map((a) => a.body.data.length)));
    assert.equal(new Set(all).size, 3);
    assert.equal(await heldCount(user.uid, "ten"), 3);
    assert.deepEqual((await claim(key, "ten", 5)).body.data, [], "full");
  });

  it("a task's claim, status and result never write the runner's document; its answers count what it holds", async function () {
    this.timeout(60_000);
    const { user, key } = await fleetOwner();
    for (let i = 0; i < 2; i++) await queued(user.idToken);
    await registered(key, "quiet", 2);
    const ref = adminDb().collection("runners").doc(`${user.uid}:quiet`);
    const before = (await ref.get()).updateTime;
    const got = (await claim(key, "quiet", 2)).body.data;
    assert.equal(got.length, 2);
    const shown = await call<{ data: Runner }>("GET", "/api/runners/quiet", { token: key });
    assert.equal(shown.body.data.heldJobs, 2);
    const [first] = got;
    assert.ok(first);
    const status = await call("POST", `/api/runners/tasks/${first.id}/status`, {
      token: key,
      body: { status: "reviewing" },
      headers: { "x-runner-id": "quiet" },
    });
    assert.equal(status.status, 200, JSON.stringify(status.body));
    assert.equal((await submit(key, first.id, resultBody("quiet"))).status, 200);
    const after = (await ref.get()).updateTime;
    assert.ok(before !== undefined && after !== undefined && after.isEqual(before), "the runner document was written");
    const listed = await call<{ data: Runner[] }>("GET", "/api/runners", { token: key });
    assert.equal(listed.body.data.find((r) => r.id === "quiet")?.heldJobs, 1);
  });
});
