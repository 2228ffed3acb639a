/**
 * The runner as an operator installs it: `register` writes a 0600 config with a stable id and the
 * credentials it checked; `run` serves from it and, restarted, is the same runner with the same
 * ledger; `verify` notices a revoked key. And tenant code that attacks the runner gets nothing.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { LANGUAGE_TYPES } from "../../contract/src/code";
import { newTenant } from "../harness/controlPlane";
import {
  cp,
  createDefinition,
  runnerKey as tenantRunnerKey,
  upload,
  warmRunnerRoutes as warmCodeRoutes,
  writeZip,
  type DeploymentView,
} from "../harness/coderunner";
import { createApiKey, eventually, sleep } from "../harness/fixtures";
import { hostileReport, hostileSource, processesWith } from "../harness/hostile";
import { API_BASE, call, createUser } from "../harness/stack";
import { ROOT } from "../../scripts/stack";
import { LEDGER_FILE, readLedger } from "../../runner/src/ledger";
import { Sandbox } from "../../runner/src/process/sandbox";
import {
  endRunnerTest,
  exitOf,
  jobScript,
  readTrace,
  startRunner,
  testDir,
  warmRunnerRoutes,
  type RunnerProcess,
} from "./runner-fixtures";

/** The runner's CLI, to completion (register, verify). */
function cli(args: string[], env: NodeJS.ProcessEnv = {}): { status: number | null; out: string } {
  const result = spawnSync(process.execPath, ["--import", "tsx", "runner/src/cli.ts", ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    encoding: "utf8",
    timeout: 60_000,
  });
  return { status: result.status, out: `${result.stdout}${result.stderr}` };
}

describe("reference runner: register, run, restart, verify", function () {
  this.timeout(240_000);
  let dir = "";
  let runner: RunnerProcess | undefined;
  afterEach(function () {
    endRunnerTest(this, runner, dir);
  });

  it("registers once, runs from the config, and restarts as the same runner with its ledger", async () => {
    const user = await createUser();
    const [runnerKey, writeKey] = await Promise.all([
      createApiKey(user, ["runners:write"]),
      createApiKey(user, ["jobs:read", "jobs:write"]),
    ]);
    await warmRunnerRoutes();
    assert.equal((await call("POST", "/jobs", { body: {} })).status, 401, "POST /jobs warmed up");
    dir = testDir();
    const trace = join(dir, "trace.log");
    const configPath = join(dir, "runner.json");
    // The operator's job commands first; register adds the id and the credentials.
    writeFileSync(configPath, JSON.stringify({ stateDir: "state", jobs: { quick: { command: jobScript(trace) } } }));

    const refused = cli(["register", "--api", API_BASE, "--token", `${runnerKey.keyId}.wrong`, "--config", configPath]);
    assert.equal(refused.status, 1, refused.out);
    assert.match(refused.out, /jobs API and fleet: refused \(401/);
    assert.doesNotMatch(readFileSync(configPath, "utf8"), /credentials/, "nothing written for a refused key");

    const registered = cli([
      "register",
      "--api",
      API_BASE,
      "--token",
      runnerKey.key,
      "--tags",
      "install-test",
      "--config",
      configPath,
    ]);
    assert.equal(registered.status, 0, registered.out);
    assert.match(registered.out, /jobs API and fleet: accepted/);
    assert.equal(statSync(configPath).mode & 0o777, 0o600, "the config holds credentials: owner only");
    const stored = JSON.parse(readFileSync(configPath, "utf8")) as {
      id: string;
      api: string;
      tags: string[];
      credentials: { token: string };
      jobs: unknown;
    };
    assert.equal(stored.credentials.token, runnerKey.key);
    assert.deepEqual(stored.tags, ["install-test"]);
    assert.ok(stored.jobs !== undefined, "the job commands are kept");
    assert.ok(!registered.out.includes(runnerKey.key), "the key is never printed");

    const create = async (n: number) => {
      const response = await call<{ id: string }>("POST", "/jobs", {
        token: writeKey.key,
        body: { type: "quick", workflowPath: "w.md", params: { n }, tags: ["install-test"] },
      });
      assert.equal(response.status, 201, JSON.stringify(response.body));
      return response.body.id;
    };
    // No token in the environment or on the command line: everything comes from the config.
    const runFromConfig = () =>
      startRunner({
        id: stored.id,
        dir,
        config: {},
        argv: ["run", "--config", configPath, "--json", "--poll-ms", "300", "--heartbeat-ms", "1000"],
      });
    const ledger = () => readLedger(join(dir, "state", LEDGER_FILE));

    runner = runFromConfig();
    const first = await create(1);
    await runner.waitFor((e) => e.event === "finished" && e.jobId === first, 90_000, "the first job");
    assert.equal(runner.events.find((e) => e.event === "started")?.runnerId, stored.id);
    runner.child.kill("SIGTERM");
    assert.equal((await exitOf(runner, 60_000)).code, 0);
    assert.ok(
      ledger().some((e) => e.jobId === first),
      "the ledger records the first job",
    );

    runner = runFromConfig();
    const second = await create(2);
    await runner.waitFor((e) => e.event === "finished" && e.jobId === second, 90_000, "the second job");
    assert.equal(runner.events.find((e) => e.event === "started")?.runnerId, stored.id, "the same id after a restart");
    const jobs = ledger().map((e) => e.jobId);
    assert.ok(jobs.includes(first) && jobs.includes(second), `one ledger across restarts: ${JSON.stringify(jobs)}`);
    const fleet = await call<{ data: { id: string }[] }>("GET", "/api/runners", { token: user.idToken });
    assert.equal(fleet.body.data.filter((r) => r.id === stored.id).length, 1, "one fleet record, not one per start");
    assert.deepEqual(
      new Set(
        readTrace(trace)
          .map(([, , , runnerId]) => runnerId)
          .filter((r) => r !== ""),
      ),
      new Set([stored.id]),
    );
    runner.child.kill("SIGTERM");
    assert.equal((await exitOf(runner, 60_000)).code, 0);
  });

  it("verify passes with live keys and catches a revoked one", async () => {
    const user = await createUser();
    const runnerKey = await createApiKey(user, ["runners:write"]);
    const tenant = await newTenant();
    const codeKey = await tenantRunnerKey(tenant);
    dir = testDir();
    const configPath = join(dir, "runner.json");
    const registered = cli([
      "register",
      "--api",
      API_BASE,
      "--token",
      runnerKey.key,
      "--code-token",
      codeKey,
      "--config",
      configPath,
    ]);
    assert.equal(registered.status, 0, registered.out);
    assert.match(registered.out, /Coderunner: accepted/);

    const good = cli(["verify", "--config", configPath]);
    assert.equal(good.status, 0, good.out);
    assert.equal(good.out.match(/ok {3}/g)?.length, 2, good.out);

    const revoked = await call("DELETE", `/api/keys/${runnerKey.keyId}`, { token: user.idToken });
    assert.equal(revoked.status, 200, JSON.stringify(revoked.body));
    const bad = cli(["verify", "--config", configPath]);
    assert.equal(bad.status, 1, bad.out);
    assert.match(bad.out, /FAIL jobs API and fleet: refused \(401/);
    assert.match(bad.out, /ok {3}Coderunner: accepted/, "the other credential is still good");

    chmodSync(configPath, 0o644);
    const exposed = cli(["verify", "--config", configPath]);
    assert.equal(exposed.status, 2, exposed.out);
    assert.match(exposed.out, /readable by others/);
  });
});

describe("reference runner: a hostile Coderunner bundle", function () {
  this.timeout(240_000);
  let dir = "";
  let runner: RunnerProcess | undefined;
  const sandbox = Sandbox.detect(`it-${process.pid}`);
  afterEach(function () {
    endRunnerTest(this, runner, dir);
  });
  after(() => sandbox.close());

  it("finds no credential, leaves nothing running or written, and is stopped at its memory limit", async function () {
    // Said plainly: which protections this machine gave the test.
    process.stdout.write(`      sandbox on this machine: ${sandbox.describe()}\n`);
    if (!sandbox.available) this.skip();
    const user = await createUser();
    const tenant = await newTenant();
    const [runnerKey, codeKey] = await Promise.all([
      createApiKey(user, ["runners:write"]),
      tenantRunnerKey(tenant),
      warmCodeRoutes(),
    ]);
    dir = testDir();
    chmodSync(dir, 0o777);
    const marker = `rp-hostile-${process.pid}-${Date.now()}`;
    const lateFile = join(dir, "late.txt");
    const definitionId = await createDefinition(tenant, { languageType: LANGUAGE_TYPES.NodeJS });
    const uploaded = await upload(
      tenant,
      `/api/file/${definitionId}/upload`,
      writeZip([{ name: "index.js", data: hostileSource(marker, lateFile) }]),
    );
    assert.equal(uploaded.status, 201, JSON.stringify(uploaded.body));
    const deployment = await cp<DeploymentView>(tenant, "POST", "/api/deployment/create", {
      body: {
        DefinitionId: definitionId,
        VersionId: uploaded.body.data.versionId,
        Configuration: { Cpu: "500m", Memory: "64Mi" },
      },
    });
    assert.equal(deployment.status, 201, JSON.stringify(deployment.body));

    // Credentials in the runner's environment, the old way: the sandbox must still keep them.
    runner = startRunner({
      id: "hostile-1",
      dir,
      config: { sandbox: { maxProcesses: 64 } },
      token: runnerKey.key,
      codeToken: codeKey,
      args: ["--poll-ms", "300"],
    });
    const protections = await runner.waitFor((e) => e.event === "sandbox", 30_000, "the sandbox report");
    process.stdout.write(`      runner says: ${String(protections.protections)}\n`);
    const run = await cp<{ executionId: string }>(
      tenant,
      "POST",
      `/api/execution/run/onetime/${deployment.body.data.id}`,
      { body: { payload: {} } },
    );
    assert.ok([200, 201, 202].includes(run.status), JSON.stringify(run.body));
    const executionId = run.body.data.executionId;
    const view = await eventually(
      async () => {
        const answer = await cp<{ status: string; result: { exitCode: number; output: string } | null }>(
          tenant,
          "GET",
          `/api/execution/${executionId}`,
        );
        return answer.body.data.result === null ? undefined : answer.body.data;
      },
      120_000,
      "the execution to end",
    );
    const output = view.result?.output ?? "";
    for (const secret of [runnerKey.key, codeKey, runnerKey.key.split(".")[1] ?? runnerKey.key])
      assert.ok(!output.includes(secret), "no credential in what the tenant reads back");
    assert.match(output, /SEEN /, `it did look: ${output.slice(-500)}`);
    const report = hostileReport(output);
    assert.ok(report !== null, output.slice(-2000));
    assert.ok(report.procs < 10, `it saw only its own processes: ${report.procs}`);
    if (sandbox.report.cgroups !== null) {
      assert.ok(report.started < 200 && report.refused > 0, `the process limit held: ${JSON.stringify(report)}`);
      assert.ok(!output.includes("ALLOCATED"), "512 MiB never fit in 64 MiB");
      assert.match(output, /\[runner\] stopped: the 64Mi memory limit was reached/);
      assert.notEqual(view.result?.exitCode, 0);
    }
    assert.deepEqual(processesWith(marker), [], "nothing it started is running");
    await sleep(4_500);
    assert.deepEqual(processesWith(marker), []);
    assert.equal(existsSync(lateFile), false, "nothing written after it ended");
    runner.child.kill("SIGTERM");
    assert.equal((await exitOf(runner, 60_000)).code, 0);
  });
});
