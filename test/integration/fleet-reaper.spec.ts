import assert from "node:assert/strict";
import { sleep } from "../harness/fixtures";
import { TEST_FUNCTION_ENV } from "../harness/hooks";
import { call, STACK_LOG } from "../harness/stack";
import {
  claimed,
  fleetOwner,
  heartbeat,
  jobDoc,
  queued,
  registered,
  resultBody,
  heldCount,
  runnerDoc,
  storedState,
  submit,
  type FleetError,
} from "./fleet-fixtures";

const OFFLINE_AFTER_MS = Number(TEST_FUNCTION_ENV.RUNNER_OFFLINE_AFTER_MS);
const DELETE_AFTER_MS = Number(TEST_FUNCTION_ENV.RUNNER_DELETE_AFTER_MS);
const LEASE_MS = Number(TEST_FUNCTION_ENV.JOB_LEASE_MS);

/**
 * Fires a scheduled function once on an empty database so that its worker is loaded: the tests
 * below measure silences of a few seconds, which a cold start in the middle would blur.
 */
async function warmUp(name: string): Promise<void> {
  await STACK_LOG.fireScheduled(name);
}

describe("reapStaleRunners (seed 004 fleet)", () => {
  it("marks a silent runner offline and gives its task to another runner (two sweeps at once count one attempt)", async function () {
    this.timeout(60_000);
    await warmUp("reapStaleRunners");
    const { user, key } = await fleetOwner();
    const task = await queued(user.idToken);
    await registered(key, "silent");
    assert.deepEqual(
      (await claimed(key, "silent")).map((t) => t.id),
      [task.id],
    );
    await sleep(OFFLINE_AFTER_MS + 300);
    await Promise.all([STACK_LOG.fireScheduled("reapStaleRunners"), STACK_LOG.fireScheduled("reapStaleRunners")]);

    const silent = await runnerDoc(user.uid, "silent");
    assert.equal(silent?.status, "offline");
    assert.equal(await heldCount(user.uid, "silent"), 0);
    const released = await jobDoc(task.id);
    assert.equal(released.status, "PENDING");
    assert.equal(released.lease, null);
    assert.equal(released.attempts, 1, "one release, although two sweeps ran");

    await registered(key, "alive");
    assert.deepEqual(
      (await claimed(key, "alive")).map((t) => t.id),
      [task.id],
    );
    // The silent runner's late result is refused and changes nothing.
    const snapshot = await storedState(task.id, user.uid, ["silent", "alive"]);
    const late = await submit(key, task.id, resultBody("silent"));
    assert.equal(late.status, 409);
    assert.equal((late.body as unknown as FleetError).reason, "LEASE_NOT_HELD");
    assert.equal(await storedState(task.id, user.uid, ["silent", "alive"]), snapshot);
    assert.equal((await submit(key, task.id, resultBody("alive"))).status, 200);
  });

  it("fails a task whose attempts are used up when its runner is reaped", async function () {
    this.timeout(60_000);
    const { user, key } = await fleetOwner();
    const task = await queued(user.idToken, { maxAttempts: 1 });
    await registered(key, "silent");
    await claimed(key, "silent");
    await sleep(OFFLINE_AFTER_MS + 300);
    await STACK_LOG.fireScheduled("reapStaleRunners");
    const job = await jobDoc(task.id);
    assert.equal(job.status, "FAILED");
    assert.equal(job.attempts, 1);
    assert.match(String(job.error), /1 times/);
    assert.equal(await heldCount(user.uid, "silent"), 0);
  });

  it("keeps a heartbeating runner online and its task's lease alive past the lease length", async function () {
    this.timeout(60_000);
    await warmUp("reapStaleRunners");
    await warmUp("reapExpiredLeases");
    const { user, key } = await fleetOwner();
    const task = await queued(user.idToken);
    await registered(key, "steady");
    await claimed(key, "steady");
    const deadline = Date.now() + LEASE_MS + 1500;
    while (Date.now() < deadline) {
      assert.equal((await heartbeat(key, "steady", { status: "busy", currentJobs: 1 })).status, 200);
      await sleep(800);
    }
    await STACK_LOG.fireScheduled("reapStaleRunners");
    await STACK_LOG.fireScheduled("reapExpiredLeases");
    const job = await jobDoc(task.id);
    assert.equal(job.status, "LEASED");
    assert.equal(job.attempts, 0);
    assert.ok((job.leaseExpiresAt as { toMillis(): number }).toMillis() > Date.now());
    const runner = await runnerDoc(user.uid, "steady");
    assert.equal(runner?.status, "busy");
    assert.equal(await heldCount(user.uid, "steady"), 1);
    assert.equal((await submit(key, task.id, resultBody("steady"))).status, 200);
  });

  it("a lease the lease reaper takes back frees the runner's slot too", async function () {
    this.timeout(60_000);
    const { user, key } = await fleetOwner();
    const task = await queued(user.idToken);
    await registered(key, "slow", 1);
    await claimed(key, "slow");
    assert.equal(await heldCount(user.uid, "slow"), 1);
    await sleep(LEASE_MS + 300);
    await STACK_LOG.fireScheduled("reapExpiredLeases");
    assert.equal((await jobDoc(task.id)).status, "PENDING");
    assert.equal(await heldCount(user.uid, "slow"), 0);
  });

  it("deletes registrations offline longer than the delete threshold, and only those", async function () {
    this.timeout(60_000);
    await warmUp("reapStaleRunners");
    const { user, key } = await fleetOwner();
    await registered(key, "old");
    assert.equal((await call("DELETE", "/api/runners/old", { token: key })).status, 200);
    await sleep(DELETE_AFTER_MS + 300);
    await registered(key, "recent");
    assert.equal((await call("DELETE", "/api/runners/recent", { token: key })).status, 200);
    await STACK_LOG.fireScheduled("reapStaleRunners");
    assert.equal(await runnerDoc(user.uid, "old"), undefined);
    assert.equal((await runnerDoc(user.uid, "recent"))?.status, "offline");
    assert.equal((await call("GET", "/api/runners/old", { token: key })).status, 404);
  });
});
