/**
 * The reference runner obeys what heartbeat answers carry: a message reaches the job's process
 * as a JSON line on fd 3 (and the job's log); cancel and pause stop the process group and are
 * acknowledged (CANCELLED / PAUSED); a resumed job runs again from the start.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import type { JobDoc } from "../../functions/src/core/jobs/model";
import { createApiKey, eventually, sleep } from "../harness/fixtures";
import { adminDb, call, createUser } from "../harness/stack";
import {
  endRunnerTest,
  exitOf,
  processAlive,
  readTrace,
  startRunner,
  testDir,
  type RunnerProcess,
} from "./runner-fixtures";
import { warmUp } from "./jobs-fixtures";

/**
 * Runs until told: records its start (job id + pid), answers every control-channel line on
 * stdout, exits 0 on the message "finish".
 */
function listener(trace: string): string[] {
  const script = [
    "const fs=require('fs');",
    // With its PID namespace, as jobScript does: in the sandbox the pid is the namespace's own.
    `fs.appendFileSync(${JSON.stringify(trace)},process.env.RUNNER_JOB_ID+' start '+process.pid+' '+process.env.RUNNER_ID+' '+fs.readlinkSync('/proc/self/ns/pid')+'\\n');`,
    "console.log('listening');",
    "const rl=require('readline').createInterface({input:fs.createReadStream(null,{fd:Number(process.env.RUNNER_CONTROL_FD)})});",
    "rl.on('line',l=>{const m=JSON.parse(l);console.log('got '+m.type+(m.text?': '+m.text:''));if(m.text==='finish')process.exit(0);});",
    "setInterval(()=>{},1000);",
  ].join("");
  return [process.execPath, "-e", script];
}

/**
 * A job with phases: names them and its current phase with workflow commands on stdout, says
 * which phase it started at, follows a rerun request from the control channel, exits 0 on the
 * message "finish".
 */
function phased(): string[] {
  const script = [
    "const fs=require('fs');",
    "console.log('::phases::build,test,deploy');console.log('::phase::build');",
    "console.log('start '+(process.env.RUNNER_JOB_START_PHASE||'-'));",
    "const rl=require('readline').createInterface({input:fs.createReadStream(null,{fd:Number(process.env.RUNNER_CONTROL_FD)})});",
    "rl.on('line',l=>{const m=JSON.parse(l);",
    "if(m.type==='rerun-phase'){console.log('::phase::'+m.phase);console.log('rerun '+m.phase);}",
    "if(m.text==='finish')process.exit(0);});",
    "setInterval(()=>{},1000);",
  ].join("");
  return [process.execPath, "-e", script];
}

/** Records its start, works 300 ms, records its end: a campaign child on the reference runner. */
function step(trace: string): string[] {
  const script = [
    "const fs=require('fs');const id=process.env.RUNNER_JOB_ID;",
    `fs.appendFileSync(${JSON.stringify(trace)},id+' start '+process.pid+'\\n');`,
    `setTimeout(()=>{fs.appendFileSync(${JSON.stringify(trace)},id+' end '+process.pid+'\\n');},300);`,
  ].join("");
  return [process.execPath, "-e", script];
}

describe("reference runner: cancel, pause and messages", function () {
  this.timeout(240_000);
  // Leases last 4 s here: a worker booting cold mid-job (seconds on a busy 2-core machine) would
  // outlast one. Up to three jobs run at once, so up to three of each call are in flight.
  before(async function () {
    this.timeout(300_000);
    await warmUp([
      ["/jobs", 1],
      ["/jobs/runner/lease", 1],
      ["/jobs/x/runner/heartbeat", 3],
      ["/jobs/x/runner/logs", 3],
      ["/jobs/x/runner/complete", 3],
    ]);
  });
  let runner: RunnerProcess | undefined;
  let dir = "";
  afterEach(function () {
    endRunnerTest(this, runner, dir);
  });

  it("delivers messages, stops cancelled and paused jobs, reruns a resumed one", async () => {
    const db = adminDb();
    const user = await createUser();
    const [runnerKey, writeKey] = await Promise.all([
      createApiKey(user, ["runners:write"]),
      createApiKey(user, ["jobs:read", "jobs:write"]),
    ]);
    dir = testDir();
    const trace = join(dir, "trace.log");
    const create = async (n: number) => {
      const response = await call<{ id: string }>("POST", "/jobs", {
        token: writeKey.key,
        body: { type: "listen", workflowPath: "w.md", params: { n } },
      });
      assert.equal(response.status, 201, JSON.stringify(response.body));
      return response.body.id;
    };
    const [talk, cancel, pause] = [await create(1), await create(2), await create(3)];
    const control = async (id: string, action: string, body?: unknown) => {
      const response = await call("POST", `/jobs/${id}/${action}`, { token: writeKey.key, body });
      assert.ok(
        response.status === 200 || response.status === 201,
        `${action}: ${response.status} ${JSON.stringify(response.body)}`,
      );
    };
    const statusOf = async (id: string) => ((await db.collection("jobs").doc(id).get()).data() as JobDoc).status;
    const pidOf = (id: string) =>
      readTrace(trace)
        .filter(([j]) => j === id)
        .map(([, , pid]) => pid);

    runner = startRunner({
      id: "controls-1",
      dir,
      token: runnerKey.key,
      config: { jobs: { listen: { command: listener(trace) } } },
      args: ["--concurrency", "3", "--heartbeat-ms", "1000", "--poll-ms", "300", "--grace-ms", "2000"],
    });
    await eventually(
      () => Promise.resolve(new Set(readTrace(trace).map(([id]) => id)).size === 3 ? true : undefined),
      60_000,
      "all three to start",
    );
    const [cancelPid = 0] = pidOf(cancel);
    const [pausePid = 0] = pidOf(pause);

    await Promise.all([
      control(talk, "message", { text: "hello there" }),
      control(cancel, "cancel"),
      control(pause, "pause"),
    ]);
    // The runner acknowledges with a release call: on a loaded machine its worker may boot cold.
    assert.equal(
      await eventually(
        async () => ((await statusOf(cancel)) === "CANCELLED" ? "CANCELLED" : undefined),
        60_000,
        "cancel acknowledged",
      ),
      "CANCELLED",
    );
    assert.equal(
      await eventually(
        async () => ((await statusOf(pause)) === "PAUSED" ? "PAUSED" : undefined),
        60_000,
        "pause acknowledged",
      ),
      "PAUSED",
    );
    await sleep(200);
    assert.equal(processAlive(cancelPid), false, "the cancelled job's process is gone");
    assert.equal(processAlive(pausePid), false, "the paused job's process is gone");

    // The message reached the process (its answer is in the log) and the log notes it.
    const logLines = async (id: string) =>
      (await db.collection("jobs").doc(id).collection("logs").orderBy("seq").get()).docs.map((d) =>
        String(d.data().line),
      );
    await eventually(
      async () => ((await logLines(talk)).includes("got message: hello there") ? true : undefined),
      60_000,
      "the message echoed",
    );
    assert.ok((await logLines(talk)).includes("[runner] message #1: hello there"));

    // Resumed, the paused job runs again from the start; "finish" lets both running jobs end.
    await control(pause, "resume");
    await eventually(
      () => Promise.resolve(pidOf(pause).length === 2 ? true : undefined),
      30_000,
      "the resumed job to start again",
    );
    await Promise.all([control(talk, "message", { text: "finish" }), control(pause, "message", { text: "finish" })]);
    await eventually(
      async () =>
        (await statusOf(talk)) === "SUCCEEDED" && (await statusOf(pause)) === "SUCCEEDED" ? true : undefined,
      30_000,
      "both to finish",
    );

    // The runner writes its ledger line after the server has taken the completion: wait for it.
    const finished = () =>
      (runner?.ledger() ?? [])
        .filter((e) => e.event === "finished")
        .map((e) => `${e.jobId === talk ? "talk" : e.jobId === cancel ? "cancel" : "pause"}:${e.outcome}`);
    await eventually(
      () => Promise.resolve(finished().length >= 4 ? true : undefined),
      10_000,
      "the runner to record all four ends",
    );
    assert.deepEqual(finished().sort(), ["cancel:CANCELLED", "pause:PAUSED", "pause:SUCCEEDED", "talk:SUCCEEDED"]);
    runner.child.kill("SIGTERM");
    assert.deepEqual(await exitOf(runner, 30_000), { code: 0, signal: null });
    assert.deepEqual(runner.stray, []);
  });

  it("reports the phases a job names on stdout, passes a phase rerun to it, and starts a requeued run at its phase", async () => {
    const user = await createUser();
    const [runnerKey, writeKey] = await Promise.all([
      createApiKey(user, ["runners:write"]),
      createApiKey(user, ["jobs:read", "jobs:write"]),
    ]);
    dir = testDir();
    const created = await call<{ id: string }>("POST", "/jobs", {
      token: writeKey.key,
      body: { type: "phased", workflowPath: "w.md", params: {} },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const id = created.body.id;
    const snapshot = async () =>
      (
        await call<{ status: string; phases?: string[]; phase?: string | null }>("GET", `/jobs/${id}`, {
          token: writeKey.key,
        })
      ).body;
    const logText = async () =>
      (await adminDb().collection("jobs").doc(id).collection("logs").orderBy("seq").get()).docs
        .map((d) => String(d.data().line))
        .join("\n");
    const rerun = async (phase: string) => {
      const response = await call("POST", `/jobs/${id}/phases/${phase}/rerun`, { token: writeKey.key });
      assert.ok(response.status < 300, `${response.status} ${JSON.stringify(response.body)}`);
    };
    const finish = async () =>
      assert.ok(
        (await call("POST", `/jobs/${id}/message`, { token: writeKey.key, body: { text: "finish" } })).status < 300,
      );

    runner = startRunner({
      id: "phases-1",
      dir,
      token: runnerKey.key,
      config: { jobs: { phased: { command: phased() } } },
      args: ["--heartbeat-ms", "1000", "--poll-ms", "300"],
    });
    // The next heartbeat carries what the command said.
    await eventually(
      async () => {
        const s = await snapshot();
        return s.phase === "build" && JSON.stringify(s.phases) === '["build","test","deploy"]' ? true : undefined;
      },
      30_000,
      "the phases in the snapshot",
    );
    await rerun("test");
    await eventually(
      async () => ((await snapshot()).phase === "test" ? true : undefined),
      30_000,
      "the rerun acted on",
    );
    const log = await logText();
    assert.match(log, /\[runner\] rerun from phase test \(#1\)/);
    assert.equal(
      log.match(/^rerun test$/gm)?.length,
      1,
      "passed to the command once, though repeated until acknowledged",
    );
    assert.match(log, /^start -$/m);
    await finish();
    await eventually(async () => ((await snapshot()).status === "SUCCEEDED" ? true : undefined), 30_000, "the end");

    // Ended: a rerun queues the job again, and the new run starts at the phase.
    await rerun("deploy");
    await eventually(async () => (/^start deploy$/m.test(await logText()) ? true : undefined), 30_000, "the rerun");
    // Two heartbeats later it still runs: the new run is not handed the "finish" that ended the last.
    await sleep(2_500);
    assert.equal((await snapshot()).status, "RUNNING");
    await finish();
    await eventually(async () => ((await snapshot()).status === "SUCCEEDED" ? true : undefined), 30_000, "the end");
    runner.child.kill("SIGTERM");
    assert.deepEqual(await exitOf(runner, 30_000), { code: 0, signal: null });
  });

  it("runs a 5-child campaign with diamond dependencies in dependency order, and refuses a cycle", async () => {
    const user = await createUser();
    const [runnerKey, writeKey] = await Promise.all([
      createApiKey(user, ["runners:write"]),
      createApiKey(user, ["jobs:read", "jobs:write"]),
    ]);
    dir = testDir();
    const trace = join(dir, "trace.log");
    // a → (b, c) → d → e; the parent carries a tag the runner lacks, so only the children run.
    const children = [
      { name: "a", tags: ["dag"] },
      { name: "b", tags: ["dag"], dependsOn: ["a"] },
      { name: "c", tags: ["dag"], dependsOn: ["a"] },
      { name: "d", tags: ["dag"], dependsOn: ["b", "c"] },
      { name: "e", tags: ["dag"], dependsOn: ["d"] },
    ];
    const body = { type: "step", workflowPath: "w.md", params: {}, tags: ["parent"] };
    // a waiting for e closes the loop a → b → d → e → a.
    const cyclic = children.map((c) => (c.name === "a" ? { ...c, dependsOn: ["e"] } : c));
    const cycle = await call<{ error: string }>("POST", "/jobs", {
      token: writeKey.key,
      body: { ...body, children: cyclic },
    });
    assert.equal(cycle.status, 400, JSON.stringify(cycle.body));
    assert.equal(cycle.body.error, "DEPENDENCY_CYCLE");
    const created = await call<{ id: string }>("POST", "/jobs", { token: writeKey.key, body: { ...body, children } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const parent = created.body.id;

    runner = startRunner({
      id: "campaign-1",
      dir,
      token: runnerKey.key,
      config: { tags: ["dag"], jobs: { step: { command: step(trace) } } },
      args: ["--concurrency", "3", "--heartbeat-ms", "1000", "--poll-ms", "300"],
    });
    const childStatuses = async () =>
      (await adminDb().collection("jobs").where("parentId", "==", parent).get()).docs.map((d) =>
        String(d.get("status")),
      );
    await eventually(
      async () => ((await childStatuses()).filter((st) => st === "SUCCEEDED").length === 5 ? true : undefined),
      90_000,
      "all five children to succeed",
    );
    // Each child started only after everything it depends on had ended.
    const events = readTrace(trace).map(([id, event]) => `${id.slice(parent.length + 1)} ${event}`);
    const at = (line: string) => events.indexOf(line);
    for (const child of children) {
      assert.notEqual(at(`${child.name} start`), -1, `${child.name} ran: ${events.join(", ")}`);
      for (const dep of child.dependsOn ?? [])
        assert.ok(
          at(`${dep} end`) < at(`${child.name} start`),
          `${dep} ended before ${child.name} began: ${events.join(", ")}`,
        );
    }
    assert.equal(events.filter((e) => e.endsWith(" start")).length, 5, "each child ran once");
  });
});
