import assert from "node:assert/strict";
import { createApiKey } from "../harness/fixtures";
import { adminDb, call } from "../harness/stack";
import {
  claimed,
  fleetOwner,
  heartbeat,
  jobDoc,
  queued,
  register,
  registered,
  heldCount,
  runnerDoc,
  type FleetError,
  type Runner,
} from "./fleet-fixtures";

describe("fleet runners (seed 004): register, heartbeat, list, get, deregister", () => {
  it("registers from x-runner-* headers (200, the record in data) and re-registers as an upsert", async () => {
    const { user, key } = await fleetOwner();
    const first = await register(key, "runner-001", {
      "x-runner-name": "My Runner",
      "x-runner-version": "1.2.0",
      "x-runner-max-concurrency": "3",
      "x-runner-tags": "gpu,fast",
      "x-runner-os": "linux",
      "x-runner-arch": "amd64",
    });
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.deepEqual(
      { ...first.body.data, lastHeartbeatAt: undefined, createdAt: undefined, updatedAt: undefined },
      {
        id: "runner-001",
        seq: 1,
        name: "My Runner",
        version: "1.2.0",
        os: "linux",
        arch: "amd64",
        tags: ["gpu", "fast"],
        maxConcurrency: 3,
        status: "online",
        currentJobs: 0,
        reportedJobs: 0,
        heldJobs: 0,
        lastHeartbeatAt: undefined,
        offlineAt: null,
        createdAt: undefined,
        updatedAt: undefined,
      },
    );
    const stored = await runnerDoc(user.uid, "runner-001");
    assert.equal(stored?.ownerUid, user.uid);
    assert.equal(stored?.runnerId, "runner-001");
    assert.equal(stored?.seq, 1);
    assert.deepEqual(stored?.tags, ["gpu", "fast"]);

    // Same id again: updated in place, same seq and creation time.
    const again = await register(key, "runner-001", { "x-runner-version": "1.3.0" });
    assert.equal(again.status, 200);
    assert.equal(again.body.data.seq, 1);
    assert.equal(again.body.data.version, "1.3.0");
    assert.equal(again.body.data.name, "runner-001", "name falls back to the id");
    assert.equal(again.body.data.maxConcurrency, 5, "default concurrency");
    assert.deepEqual(again.body.data.tags, []);
    assert.equal(again.body.data.createdAt, first.body.data.createdAt);
    assert.equal((await adminDb().collection("runners").get()).size, 1);
    assert.equal((await adminDb().collection("counters").doc("runnerSeq").get()).get("value"), 1);
  });

  it("fills the seed's defaults when only x-runner-id is sent", async () => {
    const { key } = await fleetOwner();
    const response = await register(key, "bare");
    assert.equal(response.status, 200);
    const { name, version, maxConcurrency, tags, os, arch } = response.body.data;
    assert.deepEqual(
      { name, version, maxConcurrency, tags, os, arch },
      { name: "bare", version: "unknown", maxConcurrency: 5, tags: [], os: "unknown", arch: "unknown" },
    );
  });

  it("gives 20 runners registering at once 20 distinct seed 003 ids from the counter", async function () {
    this.timeout(120_000);
    const { key } = await fleetOwner();
    const responses = await Promise.all(Array.from({ length: 20 }, (_, i) => register(key, `r-${i}`)));
    assert.ok(
      responses.every((r) => r.status === 200),
      JSON.stringify(responses.filter((r) => r.status !== 200).map((r) => r.body)),
    );
    const seqs = responses.map((r) => r.body.data.seq).sort((a, b) => a - b);
    assert.deepEqual(
      seqs,
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
    assert.equal((await adminDb().collection("counters").doc("runnerSeq").get()).get("value"), 20);
  });

  it("refuses bad registration headers with 400 in the fleet envelope, storing nothing", async () => {
    const { key } = await fleetOwner();
    const cases: Record<string, string>[] = [
      {},
      { "x-runner-id": "tasks" },
      { "x-runner-id": "r1", "x-runner-max-concurrency": "0" },
      { "x-runner-id": "r1", "x-runner-max-concurrency": "101" },
      { "x-runner-id": "r1", "x-runner-max-concurrency": "lots" },
      { "x-runner-id": "r1", "x-runner-tags": "ok,not ok" },
    ];
    for (const headers of cases) {
      const response = await call<FleetError>("POST", "/api/runners/register", {
        headers: { "x-api-key": key, ...headers },
      });
      assert.equal(response.status, 400, JSON.stringify(headers));
      assert.equal(response.body.data, null);
      assert.equal(response.body.reason, "INVALID_REQUEST");
      assert.equal(typeof response.body.error, "string");
    }
    assert.equal((await adminDb().collection("runners").get()).size, 0);
  });

  it("takes the key as Bearer or x-api-key; no key 401, a key without runners:write 403, an ID token 401", async () => {
    const { user, key } = await fleetOwner();
    const bearer = await call<{ data: Runner }>("POST", "/api/runners/register", {
      token: key,
      headers: { "x-runner-id": "via-bearer" },
    });
    assert.equal(bearer.status, 200);
    assert.equal((await register(key, "via-header")).status, 200);
    const none = await call<FleetError>("POST", "/api/runners/register", { headers: { "x-runner-id": "x" } });
    assert.equal(none.status, 401);
    assert.equal(none.body.data, null);
    const { key: readOnly } = await createApiKey(user, ["runners:read"]);
    const denied = await register(readOnly, "x");
    assert.equal(denied.status, 403);
    assert.equal((denied.body as unknown as FleetError).reason, "MISSING_SCOPE");
    const idToken = await call("POST", "/api/runners/register", {
      token: user.idToken,
      headers: { "x-runner-id": "x" },
    });
    assert.equal(idToken.status, 401);
    assert.equal(await runnerDoc(user.uid, "x"), undefined);
  });

  it("lists the caller's runners by most recent heartbeat, to a user session or a runners:read key", async () => {
    const { user, key } = await fleetOwner();
    await registered(key, "a");
    await registered(key, "b");
    await registered(key, "c");
    assert.equal((await heartbeat(key, "a")).status, 200);
    const byKey = await call<{ data: Runner[] }>("GET", "/api/runners", { token: key });
    assert.equal(byKey.status, 200);
    assert.deepEqual(
      byKey.body.data.map((r) => r.id),
      ["a", "c", "b"],
    );
    const bySession = await call<{ data: Runner[] }>("GET", "/api/runners", { token: user.idToken });
    assert.deepEqual(
      bySession.body.data.map((r) => r.id),
      ["a", "c", "b"],
    );
    const { key: readKey } = await createApiKey(user, ["runners:read"]);
    assert.equal((await call("GET", "/api/runners", { headers: { "x-api-key": readKey } })).status, 200);
    const { key: jobsKey } = await createApiKey(user, ["jobs:write"]);
    assert.equal((await call("GET", "/api/runners", { token: jobsKey })).status, 403);
    assert.equal((await call("GET", "/api/runners")).status, 401);
    assert.equal((await call("GET", "/api/runners", { token: "not-a-token" })).status, 401);
  });

  it("keeps owners apart: the same runner id under two owners is two runners, each seeing only its own", async () => {
    const alice = await fleetOwner();
    const bob = await fleetOwner();
    await registered(alice.key, "runner-001", 2);
    await registered(bob.key, "runner-001", 7);
    assert.equal((await adminDb().collection("runners").get()).size, 2);
    const aliceView = await call<{ data: Runner }>("GET", "/api/runners/runner-001", { token: alice.user.idToken });
    const bobView = await call<{ data: Runner }>("GET", "/api/runners/runner-001", { token: bob.key });
    assert.equal(aliceView.body.data.maxConcurrency, 2);
    assert.equal(bobView.body.data.maxConcurrency, 7);
    assert.notEqual(aliceView.body.data.seq, bobView.body.data.seq);
    const list = await call<{ data: Runner[] }>("GET", "/api/runners", { token: alice.key });
    assert.equal(list.body.data.length, 1);
    await registered(bob.key, "bobs-only");
    const missing = await call<FleetError>("GET", "/api/runners/bobs-only", { token: alice.key });
    assert.equal(missing.status, 404);
    assert.deepEqual(
      { data: missing.body.data, reason: missing.body.reason },
      { data: null, reason: "RUNNER_NOT_FOUND" },
    );
    assert.equal((await call("DELETE", "/api/runners/bobs-only", { token: alice.key })).status, 404);
    assert.equal((await runnerDoc(bob.user.uid, "bobs-only"))?.status, "online", "alice could not touch it");
  });

  it("heartbeat records status and reported jobs; bad bodies 400, unknown runner 404, no key 401", async () => {
    const { user, key } = await fleetOwner();
    const runner = await registered(key, "hb");
    const beat = await heartbeat(key, "hb", { status: "busy", currentJobs: 2 });
    assert.equal(beat.status, 200, JSON.stringify(beat.body));
    assert.equal(beat.body.data.status, "busy");
    assert.equal(beat.body.data.currentJobs, 2, "seed 004: currentJobs reads back what the runner sent");
    assert.equal(beat.body.data.reportedJobs, 2);
    assert.equal(beat.body.data.heldJobs, 0, "the held count, under its own name");
    assert.equal((await call<{ data: Runner }>("GET", "/api/runners/hb", { token: key })).body.data.currentJobs, 2);
    assert.ok(beat.body.data.lastHeartbeatAt >= runner.lastHeartbeatAt);
    const stored = await runnerDoc(user.uid, "hb");
    assert.equal(stored?.status, "busy");
    assert.equal(stored?.reportedJobs, 2);
    for (const bad of [
      { status: "sleeping", currentJobs: 0 },
      { status: "online" },
      { status: "online", currentJobs: -1 },
      { status: "online", currentJobs: 1.5 },
    ]) {
      const response = await heartbeat(key, "hb", bad);
      assert.equal(response.status, 400, JSON.stringify(bad));
    }
    assert.equal((await runnerDoc(user.uid, "hb"))?.status, "busy", "refused heartbeats changed nothing");
    assert.equal((await heartbeat(key, "nobody")).status, 404);
    assert.equal(
      (await call("POST", "/api/runners/hb/heartbeat", { body: { status: "online", currentJobs: 0 } })).status,
      401,
    );
    const offline = await heartbeat(key, "hb", { status: "offline", currentJobs: 0 });
    assert.equal(offline.body.data.status, "offline");
    assert.notEqual((await runnerDoc(user.uid, "hb"))?.offlineAt, null);
  });

  it("deregisters (by the key or the signed-in owner): offline, its tasks back to PENDING, claims refused until it returns", async () => {
    const { user, key } = await fleetOwner();
    await registered(key, "leaver", 2);
    const task = await queued(user.idToken);
    const [got] = await claimed(key, "leaver");
    assert.equal(got?.id, task.id);
    assert.equal(await heldCount(user.uid, "leaver"), 1);

    const gone = await call<{ data: Runner }>("DELETE", "/api/runners/leaver", { headers: { "x-api-key": key } });
    assert.equal(gone.status, 200, JSON.stringify(gone.body));
    assert.equal(gone.body.data.status, "offline");
    assert.equal(gone.body.data.heldJobs, 0);
    const job = await jobDoc(task.id);
    assert.equal(job.status, "PENDING");
    assert.equal(job.lease, null);
    assert.equal(job.attempts, 1);
    const stored = await runnerDoc(user.uid, "leaver");
    assert.equal(stored?.status, "offline");
    assert.equal(await heldCount(user.uid, "leaver"), 0);
    assert.notEqual(stored?.offlineAt, null);

    const refused = await call<FleetError>("GET", "/api/runners/tasks/pending?runnerId=leaver", { token: key });
    assert.equal(refused.status, 409);
    assert.equal(refused.body.reason, "RUNNER_OFFLINE");
    assert.equal((await jobDoc(task.id)).status, "PENDING");
    // A heartbeat brings it back.
    assert.equal((await heartbeat(key, "leaver")).status, 200);
    assert.equal((await claimed(key, "leaver")).length, 1);

    // The owner signed in may deregister too; another user may not see it; unknown is 404.
    await registered(key, "second");
    const byOwner = await call<{ data: Runner }>("DELETE", "/api/runners/second", { token: user.idToken });
    assert.equal(byOwner.status, 200);
    assert.equal(byOwner.body.data.status, "offline");
    const stranger = await fleetOwner();
    assert.equal((await call("DELETE", "/api/runners/leaver", { token: stranger.user.idToken })).status, 404);
    assert.equal((await runnerDoc(user.uid, "leaver"))?.status, "online");
    assert.equal((await call("DELETE", "/api/runners/nobody", { token: key })).status, 404);
    const { key: readKey } = await createApiKey(user, ["runners:read"]);
    assert.equal((await call("DELETE", "/api/runners/leaver", { token: readKey })).status, 403);
    assert.equal((await call("DELETE", "/api/runners/leaver")).status, 401);
  });
});
