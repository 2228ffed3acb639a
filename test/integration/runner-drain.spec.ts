/**
 * The reference runner on SIGTERM: it stops leasing, lets the job that can finish within the
 * grace period finish, stops the one that cannot (its whole process group) and hands it back to
 * the queue at once (not by lease expiry), deregisters, and exits 0.
 */
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { join } from "node:path";
import type { JobDoc } from "../../functions/src/core/jobs/model";
import { createApiKey, eventually, sleep } from "../harness/fixtures";
import { adminDb, call, createUser } from "../harness/stack";
import {
  exitOf,
  jobScript,
  killIfRunning,
  processAlive,
  readTrace,
  startRunner,
  testDir,
  type RunnerProcess,
} from "./runner-fixtures";
import { warmUp } from "./jobs-fixtures";

const GRACE_MS = 4_000;

describe("reference runner: SIGTERM drains", function () {
  this.timeout(120_000);
  // The short job must finish inside the 4 s grace: a worker booting cold for its artifact upload
  // or its completion (seconds on a busy 2-core machine) would push it past.
  before(async function () {
    this.timeout(300_000);
    await warmUp([
      ["/jobs", 1],
      ["/jobs/runner/lease", 1],
      ["/jobs/x/runner/heartbeat", 2],
      ["/jobs/x/runner/logs", 2],
      ["/jobs/x/runner/artifacts", 1],
      ["/jobs/x/runner/complete", 1],
      ["/jobs/x/runner/release", 1],
    ]);
  });
  let runner: RunnerProcess | undefined;
  let dir = "";
  afterEach(() => {
    killIfRunning(runner);
    if (dir !== "") rmSync(dir, { recursive: true, force: true });
  });

  it("finishes what fits in the grace period, releases the rest, deregisters, exits 0", async () => {
    const user = await createUser();
    const [runnerKey, writeKey] = await Promise.all([
      createApiKey(user, ["runners:write"]),
      createApiKey(user, ["jobs:read", "jobs:write"]),
    ]);
    dir = testDir();
    const trace = join(dir, "trace.log");
    const create = async (n: number, ms: number) => {
      const response = await call<{ id: string }>("POST", "/jobs", {
        token: writeKey.key,
        body: { type: "slow", workflowPath: "w.md", params: { n, ms } },
      });
      assert.equal(response.status, 201, JSON.stringify(response.body));
      return response.body.id;
    };
    const short = await create(1, 1_500);
    const long = await create(2, 120_000);

    runner = startRunner({
      id: "drain-1",
      dir,
      token: runnerKey.key,
      config: { jobs: { slow: { command: jobScript(trace), outputs: ["out/*.txt"] } } },
      args: ["--concurrency", "2", "--grace-ms", String(GRACE_MS), "--heartbeat-ms", "1000", "--poll-ms", "300"],
    });
    // Both processes have started.
    await eventually(
      () => Promise.resolve(readTrace(trace).filter(([, e]) => e === "start").length === 2 ? true : undefined),
      60_000,
      "both jobs to start",
    );
    const longPid = readTrace(trace).find(([id, e]) => id === long && e === "start")?.[2] ?? 0;
    assert.ok(processAlive(longPid));

    const signalledAt = Date.now();
    runner.child.kill("SIGTERM");
    const exit = await exitOf(runner, GRACE_MS + 45_000);
    const tookMs = Date.now() - signalledAt;
    assert.deepEqual(exit, { code: 0, signal: null }, JSON.stringify(runner.stray));
    assert.ok(tookMs >= GRACE_MS - 500, `it waited out the grace period for the long job (${tookMs} ms)`);

    // Read straight away, with no reaper fired: the long job is back in the queue already.
    const db = adminDb();
    const [shortDoc, longDoc, runnerDoc] = await Promise.all([
      db.collection("jobs").doc(short).get(),
      db.collection("jobs").doc(long).get(),
      db.collection("runners").doc(`${user.uid}:drain-1`).get(),
    ]);
    const s = shortDoc.data() as JobDoc;
    const l = longDoc.data() as JobDoc;
    assert.equal(s.status, "SUCCEEDED");
    assert.equal(s.finishedBy, `${user.uid}:drain-1`);
    assert.deepEqual(s.result?.output, { n: 1, doubled: 2 });
    assert.equal(l.status, "PENDING", "released, not left to expire");
    assert.equal(l.lease, null);
    assert.equal(l.attempts, 0, "a release is not a failed attempt");
    assert.equal(runnerDoc.data()?.status, "offline", "deregistered");

    // The long job's process group is gone and it never finished.
    await sleep(200);
    assert.equal(processAlive(longPid), false);
    assert.deepEqual(
      readTrace(trace)
        .filter(([id]) => id === long)
        .map(([, e]) => e),
      ["start"],
    );

    // What the runner recorded and said.
    const ledger = runner.ledger().filter((e) => e.event === "finished");
    assert.deepEqual(
      ledger.map((e) => [e.jobId, e.outcome]).sort(),
      [
        [long, "RELEASED"],
        [short, "SUCCEEDED"],
      ].sort(),
    );
    const names = runner.events.map((e) => e.event);
    for (const name of ["registered", "started", "signal", "draining", "grace-expired", "deregistered", "stopped"])
      assert.ok(names.includes(name), `event ${name} in ${names.join(",")}`);
    assert.ok(names.indexOf("grace-expired") > names.indexOf("draining"));
    assert.deepEqual(runner.stray, [], "only JSON lines on stdout, nothing on stderr");

    // The short job's log and artifact arrived.
    const detail = await call<{ artifacts: { name: string }[] }>("GET", `/jobs/${short}`, { token: writeKey.key });
    assert.deepEqual(
      detail.body.artifacts.map((a) => a.name),
      ["out/result.txt"],
    );
    const logs = await db.collection("jobs").doc(short).collection("logs").orderBy("seq").get();
    const lines = logs.docs.map((d) => `${String(d.data().stream)}:${String(d.data().line)}`);
    assert.deepEqual([...lines].sort(), [
      "stderr:note 1",
      "stdout:hello 1",
      `stdout:${JSON.stringify({ n: 1, doubled: 2 })}`,
    ]);
    assert.deepEqual(
      logs.docs.map((d) => Number(d.data().seq)),
      [1, 2, 3],
    );
  });
});
