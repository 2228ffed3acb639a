/**
 * `GET /api/coderunner/overview`: one tenant's definitions (each with its versions and
 * deployments) and recent executions, in seed 000's envelope; nothing of another tenant's.
 */
import assert from "node:assert/strict";
import {
  assertRefused,
  cp,
  createDefinition,
  deployed,
  failedVersion,
  finishedExecution,
  warmRunnerRoutes,
} from "../harness/coderunner";
import { controlPlaneToken, newTenant } from "../harness/controlPlane";
import { call } from "../harness/stack";

interface OverviewVersion {
  id: string;
  number: number;
  description: string;
  status: number;
  statusName: string;
  failureReason: string | null;
  createdAt: string;
}
interface OverviewDeployment {
  id: string;
  versionId: string;
  deploymentTypeName: string;
  status: string;
  configuration: { cpu: string; memory: string; cronExpression: string | null; externalEndpoint: string };
  createdAt: string;
}
interface OverviewDefinition {
  id: string;
  name: string;
  deploymentType: number;
  deploymentTypeName: string;
  languageType: number;
  languageTypeName: string;
  versionCount: number;
  activeDeploymentId: string | null;
  createdAt: string;
  versions: OverviewVersion[];
  deployments: OverviewDeployment[];
}
interface OverviewExecution {
  executionId: string;
  status: string;
  deploymentId: string;
  definitionId: string;
  versionId: string;
  exitCode: number | null;
  createdAt: string;
  finishedAt: string | null;
}
interface Overview {
  tenantId: string;
  definitions: OverviewDefinition[];
  moreDefinitions: boolean;
  executions: OverviewExecution[];
  moreExecutions: boolean;
}

const OVERVIEW = "/api/coderunner/overview";

describe("Coderunner overview (GET /api/coderunner/overview)", () => {
  before(async function () {
    this.timeout(60_000);
    await warmRunnerRoutes();
  });

  it("lists the tenant's definitions with versions and deployments, and its recent executions", async function () {
    this.timeout(90_000);
    const tenant = await newTenant();
    const { definitionId, versionId, deploymentId } = await deployed(
      tenant,
      { Cpu: "500m", Memory: "512Mi" },
      { name: "Greeter" },
    );
    const failed = await failedVersion(tenant, definitionId);
    const executionId = await finishedExecution(tenant, deploymentId, 0);
    const emptyId = await createDefinition(tenant, { name: "Nightly report", deploymentType: 3, languageType: 2 });

    const response = await cp<Overview>(tenant, "GET", OVERVIEW);
    assert.equal(response.status, 200, JSON.stringify(response.body));
    assert.equal(response.body.success, true);
    assert.equal(response.body.message, "Overview");
    const overview = response.body.data;
    assert.equal(overview.tenantId, tenant.tenantId);
    assert.equal(overview.moreDefinitions, false);
    assert.equal(overview.moreExecutions, false);

    // Newest first: the empty definition was made last.
    assert.deepEqual(
      overview.definitions.map((d) => d.id),
      [emptyId, definitionId],
    );
    const [empty, greeter] = overview.definitions;
    assert.ok(empty !== undefined && greeter !== undefined);
    assert.deepEqual(
      {
        name: empty.name,
        type: empty.deploymentTypeName,
        language: empty.languageTypeName,
        versions: empty.versions,
        deployments: empty.deployments,
      },
      { name: "Nightly report", type: "ScheduleJob", language: "Python", versions: [], deployments: [] },
    );

    assert.equal(greeter.name, "Greeter");
    assert.equal(greeter.languageTypeName, "NodeJS");
    assert.equal(greeter.versionCount, 2);
    assert.equal(greeter.activeDeploymentId, deploymentId);
    assert.deepEqual(
      greeter.versions.map((v) => ({
        id: v.id,
        number: v.number,
        status: v.status,
        statusName: v.statusName,
        failureReason: v.failureReason,
      })),
      [
        { id: failed.versionId, number: 2, status: 4, statusName: "Failed", failureReason: failed.failureReason },
        { id: versionId, number: 1, status: 3, statusName: "Completed", failureReason: null },
      ],
    );
    assert.match(failed.failureReason, /No entry point/);
    assert.equal(greeter.versions[0]?.description, "no entry point");

    assert.equal(greeter.deployments.length, 1);
    const deployment = greeter.deployments[0];
    assert.ok(deployment !== undefined);
    assert.equal(deployment.id, deploymentId);
    assert.equal(deployment.versionId, versionId);
    assert.equal(deployment.status, "active");
    assert.equal(deployment.deploymentTypeName, "Function");
    assert.equal(deployment.configuration.cpu, "500m");
    assert.equal(deployment.configuration.memory, "512Mi");
    assert.equal(deployment.configuration.cronExpression, null);
    assert.match(deployment.configuration.externalEndpoint, new RegExp(`/api/invoke/${deploymentId}$`));

    assert.equal(overview.executions.length, 1);
    const execution = overview.executions[0];
    assert.ok(execution !== undefined);
    assert.deepEqual(
      {
        id: execution.executionId,
        status: execution.status,
        deploymentId: execution.deploymentId,
        definitionId: execution.definitionId,
        versionId: execution.versionId,
        exitCode: execution.exitCode,
      },
      { id: executionId, status: "SUCCEEDED", deploymentId, definitionId, versionId, exitCode: 0 },
    );
    assert.ok(execution.finishedAt !== null && Date.parse(execution.finishedAt) >= Date.parse(execution.createdAt));
    // A listing carries no output or result: those are up to 256 KiB each (GET /api/execution/{id} has them).
    assert.equal("result" in execution, false);
    assert.equal(JSON.stringify(overview).includes("hello overview"), false);
  });

  it("shows another tenant none of it, and refuses callers without a valid Control Plane token", async function () {
    this.timeout(60_000);
    const alice = await newTenant();
    const mallory = await newTenant();
    const { deploymentId } = await deployed(alice);
    await cp(alice, "POST", `/api/execution/run/onetime/${deploymentId}`, { body: { payload: {} } });

    const theirs = await cp<Overview>(mallory, "GET", OVERVIEW);
    assert.equal(theirs.status, 200, JSON.stringify(theirs.body));
    assert.deepEqual(theirs.body.data, {
      tenantId: mallory.tenantId,
      definitions: [],
      moreDefinitions: false,
      executions: [],
      moreExecutions: false,
    });

    // Mallory's token with Alice's client key: the claims must match the headers.
    assertRefused(await call("GET", OVERVIEW, { token: mallory.token, headers: alice.headers }), 403, "CLAIM_MISMATCH");
    assertRefused(await call("GET", OVERVIEW), 401, "UNAUTHENTICATED");
    assertRefused(await call("GET", OVERVIEW, { token: "not-a-token", headers: alice.headers }), 401, "INVALID_TOKEN");
    const expired = await controlPlaneToken(alice.tenantId, alice.userId, { ttlSeconds: -60 });
    assertRefused(await call("GET", OVERVIEW, { token: expired, headers: alice.headers }), 401, "TOKEN_EXPIRED");
    assertRefused(await call("GET", OVERVIEW, { token: alice.token }), 401, "MISSING_HEADERS");
  });

  it("caps the lists as asked, says when more exist, and refuses bad limits with 400", async function () {
    this.timeout(60_000);
    const tenant = await newTenant();
    const first = await createDefinition(tenant, { name: "first" });
    const second = await createDefinition(tenant, { name: "second" });

    const one = await cp<Overview>(tenant, "GET", `${OVERVIEW}?definitions=1&executions=1`);
    assert.equal(one.status, 200, JSON.stringify(one.body));
    assert.deepEqual(
      one.body.data.definitions.map((d) => d.id),
      [second],
    );
    assert.equal(one.body.data.moreDefinitions, true);
    const both = await cp<Overview>(tenant, "GET", `${OVERVIEW}?definitions=50`);
    assert.deepEqual(
      both.body.data.definitions.map((d) => d.id),
      [second, first],
    );
    assert.equal(both.body.data.moreDefinitions, false);

    for (const bad of ["definitions=0", "definitions=51", "executions=abc", "executions=-1", "executions=1.5"]) {
      const refused = assertRefused(await cp(tenant, "GET", `${OVERVIEW}?${bad}`), 400, "INVALID_REQUEST");
      assert.match(refused.message, /query/, bad);
    }
  });
});
