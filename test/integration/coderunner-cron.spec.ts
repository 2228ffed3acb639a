import assert from "node:assert/strict";
import { Timestamp } from "firebase-admin/firestore";
import type { ExecutionPayload } from "../../functions/src/core/code/executionJob";
import type { JobDoc } from "../../functions/src/core/jobs/model";
import {
  cp,
  deployed,
  leaseExecutions,
  runnerKey,
  storedDeployment,
  upload,
  warmRunnerRoutes,
  writeZip,
  type DeploymentView,
} from "../harness/coderunner";
import { newTenant, type Tenant } from "../harness/controlPlane";
import { sleep } from "../harness/fixtures";
import { adminDb, call, STACK_LOG } from "../harness/stack";

const MINUTE = 60_000;
/** How many sweeps race in each firing. */
const RACERS = 4;

/** Keeps clear of a minute boundary, so "the due slots" cannot change while a test runs. */
async function awayFromMinuteBoundary(): Promise<void> {
  const intoMinute = Date.now() % MINUTE;
  if (intoMinute > 45_000) await sleep(MINUTE - intoMinute + 1_000);
}

function floorMinute(ms: number): number {
  return ms - (ms % MINUTE);
}

/** Pretends the deployment last fired `missed` slots ago: those slots are now due. */
async function backdate(deploymentId: string, missed: number): Promise<number> {
  const lastFired = floorMinute(Date.now()) - missed * MINUTE;
  await adminDb()
    .collection("deployments")
    .doc(deploymentId)
    .update({
      lastFiredSlot: Timestamp.fromMillis(lastFired),
      nextFireAt: Timestamp.fromMillis(lastFired + MINUTE),
      createdAt: Timestamp.fromMillis(lastFired - MINUTE),
    });
  return lastFired;
}

async function executionsOf(deploymentId: string): Promise<{ id: string; data: JobDoc; payload: ExecutionPayload }[]> {
  const all = await adminDb().collection("jobs").where("kind", "==", "execution").get();
  return all.docs
    .map((d) => ({ id: d.id, data: d.data() as JobDoc, payload: d.get("payload") as ExecutionPayload }))
    .filter((e) => e.payload.deploymentId === deploymentId);
}

async function fireRacing(): Promise<void> {
  await Promise.all(Array.from({ length: RACERS }, () => STACK_LOG.fireScheduled("fireCronDeployments")));
}

async function scheduleDeployment(tenant: Tenant, cron = "* * * * *") {
  return deployed(tenant, { Cpu: "250m", Memory: "256Mi", CronExpression: cron }, { deploymentType: 3 });
}

describe("Coderunner ScheduleJob deployments (seed 000 cron)", () => {
  before(async function () {
    this.timeout(60_000);
    await warmRunnerRoutes();
    // The first call loads the scheduled function; racing sweeps should race, not queue on a cold start.
    await STACK_LOG.fireScheduled("fireCronDeployments");
  });

  it(`fires exactly one execution per due slot with ${RACERS} schedulers racing, and none again`, async function () {
    this.timeout(120_000);
    await awayFromMinuteBoundary();
    const tenant = await newTenant();
    const { deploymentId } = await scheduleDeployment(tenant);
    const lastFired = await backdate(deploymentId, 3);

    await fireRacing();
    const fired = await executionsOf(deploymentId);
    const slots = fired.map((e) => new Date(String(e.payload.slot)).getTime()).sort((a, b) => a - b);
    const expected = [1, 2, 3].map((n) => lastFired + n * MINUTE);
    assert.deepEqual(slots, expected, "each due slot exactly once");
    assert.deepEqual(
      fired.map((e) => e.id).sort(),
      expected.map((slot) => `cron-${deploymentId}-${slot}`).sort(),
      "deterministic ids",
    );
    for (const execution of fired) {
      assert.equal(execution.data.status, "PENDING");
      assert.equal(execution.data.queue, `execution/tenant:${tenant.tenantId}`);
      assert.equal(execution.payload.trigger, "schedule");
      assert.equal(execution.payload.inputJson, "{}");
    }
    const stored = await storedDeployment(deploymentId);
    assert.equal(stored?.lastFiredSlot?.toMillis(), expected[2]);
    assert.equal(stored?.nextFireAt?.toMillis(), (expected[2] ?? 0) + MINUTE);

    const view = await cp<DeploymentView>(tenant, "GET", `/api/deployment/${deploymentId}`);
    assert.equal(view.body.data.schedule?.lastFiredSlot, new Date(expected[2] ?? 0).toISOString());

    await fireRacing();
    assert.equal((await executionsOf(deploymentId)).length, 3, "firing again within the minute adds nothing");
  });

  it("fires the next slot once when it comes due, and a runner completes the scheduled execution", async function () {
    this.timeout(120_000);
    await awayFromMinuteBoundary();
    const tenant = await newTenant();
    const { deploymentId } = await scheduleDeployment(tenant);
    const lastFired = await backdate(deploymentId, 1);
    await fireRacing();
    assert.equal((await executionsOf(deploymentId)).length, 1);
    // Now the slot after: pretend another minute went by.
    await adminDb()
      .collection("deployments")
      .doc(deploymentId)
      .update({ lastFiredSlot: Timestamp.fromMillis(lastFired - MINUTE), nextFireAt: Timestamp.fromMillis(lastFired) });
    await fireRacing();
    const fired = await executionsOf(deploymentId);
    assert.equal(fired.length, 2, "the earlier slot fired once; the already-fired one was not duplicated");

    const key = await runnerKey(tenant);
    const leased = await leaseExecutions(key, 5);
    assert.equal(leased.length, 2);
    const first = leased[0];
    assert.ok(first !== undefined);
    assert.equal(first.trigger, "schedule");
    assert.ok(first.slot !== null);
    const done = await call("POST", `/api/coderunner/executions/${first.executionId}/complete`, {
      token: key,
      body: { leaseToken: first.leaseToken, exitCode: 0, output: "tick" },
    });
    assert.equal(done.status, 200, JSON.stringify(done.body));
    const result = await cp<{ status: string; trigger: string; slot: string; result: { output: string } }>(
      tenant,
      "GET",
      `/api/execution/${first.executionId}`,
    );
    assert.equal(result.body.data.status, "SUCCEEDED");
    assert.equal(result.body.data.trigger, "schedule");
    assert.equal(result.body.data.slot, first.slot);
    assert.equal(result.body.data.result.output, "tick");
  });

  it("fires several due deployments in one sweep; a superseded deployment stops firing", async function () {
    this.timeout(120_000);
    await awayFromMinuteBoundary();
    const tenant = await newTenant();
    const a = await scheduleDeployment(tenant);
    const b = await scheduleDeployment(tenant, "*/1 * * * *");
    await backdate(a.deploymentId, 2);
    await backdate(b.deploymentId, 1);

    // Redeploy A's definition: the old deployment is superseded and must not fire.
    const next = await upload(
      tenant,
      `/api/file/${a.definitionId}/upload`,
      writeZip([{ name: "index.js", data: "2" }]),
    );
    const redeploy = await cp<DeploymentView>(tenant, "POST", "/api/deployment/create", {
      body: {
        DefinitionId: a.definitionId,
        VersionId: next.body.data.versionId,
        Configuration: { CronExpression: "0 0 1 1 *" },
      },
    });
    assert.equal(redeploy.status, 201, JSON.stringify(redeploy.body));
    const old = await storedDeployment(a.deploymentId);
    assert.equal(old?.status, "superseded");
    assert.equal(old?.nextFireAt, null);

    await fireRacing();
    assert.equal((await executionsOf(a.deploymentId)).length, 0, "superseded: nothing fired");
    assert.equal((await executionsOf(redeploy.body.data.id)).length, 0, "yearly cron: nothing due");
    assert.equal((await executionsOf(b.deploymentId)).length, 1);
  });
});
