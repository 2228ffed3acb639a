/**
 * Three reference runners against the local stack, 200 jobs across every face (jobs API, fleet
 * review tasks, Coderunner executions in Node and Python, workspace generations). One runner is
 * SIGKILLed while it runs a job; the reapers give its work back and the others finish it. Every
 * job ends SUCCEEDED, and exactly one runner reported each one's end.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import type { JobDoc } from "../../functions/src/core/jobs/model";
import { genericJobDoc } from "../../functions/src/core/jobsApi/model";
import type { LedgerEntry } from "../../runner/src/ledger";
import type { QueryDocumentSnapshot } from "firebase-admin/firestore";
import {
  completedVersion,
  cp,
  deployed,
  runnerKey as tenantRunnerKey,
  type DeploymentView,
} from "../harness/coderunner";
import { newTenant, type Tenant } from "../harness/controlPlane";
import { createApiKey, createInstance, eventually, queuedWorkspace, sleep } from "../harness/fixtures";
import { adminDb, call, createUser, STACK_LOG } from "../harness/stack";
import { TEST_FUNCTION_ENV } from "../harness/hooks";
import {
  exitOf,
  jobScript,
  killIfRunning,
  readTrace,
  startRunner,
  testDir,
  warmRunnerRoutes,
  type RunnerProcess,
} from "./runner-fixtures";

const SLOW_JOBS = 15;
/** How long a slow job runs: long enough to be caught mid-job, several times the 4 s lease's heartbeat. */
const SLOW_JOB_MS = 2_500;
const QUICK_JOBS = 150;
/** Quick jobs queued through POST /jobs rather than written directly. */
const QUICK_JOBS_BY_API = 5;
const REVIEW_TASKS = 20;
const NODE_EXECUTIONS = 6;
const PYTHON_EXECUTIONS = 4;
const WORKSPACES = 5;
const TOTAL = SLOW_JOBS + QUICK_JOBS + REVIEW_TASKS + NODE_EXECUTIONS + PYTHON_EXECUTIONS + WORKSPACES;
/** Requests the test itself keeps in flight while queueing (the emulator runs 12 at once). */
const QUEUE_PARALLEL = 3;
/** Fire the reapers this often once the victim is dead (tests run no scheduler). */
const REAP_EVERY_MS = 2_000;

/** The review command: one line of log per file, then the result as the last stdout line. */
const REVIEW_SCRIPT =
  "const t=JSON.parse(require('fs').readFileSync(0,'utf8'));" +
  "for(const f of t.files)console.log('reviewed '+f.path);" +
  "console.log(JSON.stringify({files:t.files.map(f=>({path:f.path,comments:[]})),totalComments:0,rating:'A',metrics:{files:t.files.length}}))";
/** The workspace command: answers from the context it was given. */
const WORKSPACE_SCRIPT =
  "const i=JSON.parse(require('fs').readFileSync(0,'utf8'));" +
  "process.stdout.write(JSON.stringify({assistantMessage:'Plan for '+i.context.title+' ('+i.context.messageCount+' messages) {{artifact:file:plan.md}}',files:[{name:'plan.md',content:'# '+i.context.title}]}))";
const PYTHON_MAIN =
  "import json, os, sys\np = json.load(sys.stdin)\nprint('py', p['n'])\nwith open(os.environ['CODERUNNER_RESULT_FILE'], 'w') as f:\n    json.dump({'n': p['n'], 'lang': 'python'}, f)\n";

let startedAt = Date.now();
function workers(): number {
  let n = 0;
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("functionsEmulatorRuntime")) n += 1;
    } catch {
      // gone
    }
  }
  return n;
}
function progress(what: string): void {
  if (process.env.RUNNER_E2E_VERBOSE !== undefined)
    process.stderr.write(
      `[runner-e2e +${((Date.now() - startedAt) / 1000).toFixed(1)}s load ${loadavg()[0]?.toFixed(1) ?? "?"} workers ${workers()}] ${what}\n`,
    );
}

async function inBatches<T>(count: number, make: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < count; i += QUEUE_PARALLEL) {
    out.push(
      ...(await Promise.all(Array.from({ length: Math.min(QUEUE_PARALLEL, count - i) }, (_, k) => make(i + k)))),
    );
  }
  return out;
}

describe("reference runner: three runners, 200 jobs across the faces", function () {
  this.timeout(420_000);
  const runners: RunnerProcess[] = [];
  let dir = "";
  afterEach(function () {
    // A failure here is hard to read from assertions alone: show what the runners said.
    if (this.currentTest?.state === "failed") {
      for (const r of runners) {
        const notable = r.events.filter((e) => e.level === "warn" || e.level === "error").slice(-25);
        process.stderr.write(
          `runner ${r.id}: ${r.events.length} events; last warnings:\n${notable.map((e) => JSON.stringify(e)).join("\n")}\n${r.stray.join("").slice(-2000)}\n`,
        );
      }
    }
    for (const r of runners) killIfRunning(r);
    if (dir !== "") rmSync(dir, { recursive: true, force: true });
  });

  it("finishes every job exactly once, re-running the work of a runner killed mid-job", async () => {
    startedAt = Date.now();
    const db = adminDb();
    const user = await createUser();
    const tenant = await newTenant();
    const [runnerKey, writeKey, instance, codeKey, nodeDeployment] = await Promise.all([
      createApiKey(user, ["runners:write"]),
      createApiKey(user, ["jobs:read", "jobs:write"]),
      createInstance(user, "user"),
      tenantRunnerKey(tenant),
      deployed(tenant),
    ]);
    const pythonDeployment = await deployPython(tenant);
    progress("arranged");
    dir = testDir();
    const trace = join(dir, "trace.log");
    const createJob = async (type: string, n: number) => {
      const response = await call<{ id: string }>("POST", "/jobs", {
        token: writeKey.key,
        body: { type, workflowPath: "w.md", params: { n, ms: 0 } },
      });
      assert.equal(response.status, 201, JSON.stringify(response.body));
      return response.body.id;
    };
    await warmRunnerRoutes(QUEUE_PARALLEL);
    await Promise.all([STACK_LOG.fireScheduled("reapStaleRunners"), STACK_LOG.fireScheduled("reapExpiredLeases")]);
    progress("warmed");

    // Most jobs-API jobs are written as POST /jobs writes them (its own document builder), in one
    // batch: what is under test is the runners, and the emulator serves a request at a time per
    // worker. Slow ones lead the queue, so that a runner is surely inside one when it dies.
    const seeded = db.batch();
    const seed = (type: string, n: number, ms: number, priority: number) => {
      const ref = db.collection("jobs").doc();
      seeded.create(
        ref,
        genericJobDoc(
          ref.id,
          {
            ownerUid: user.uid,
            type,
            workflowPath: "w.md",
            params: { n, ms },
            priority,
            leaseMs: Number(TEST_FUNCTION_ENV.JOB_LEASE_MS),
          },
          new Date(),
        ),
      );
      return ref.id;
    };
    const slow = Array.from({ length: SLOW_JOBS }, (_, i) => seed("slow", i, SLOW_JOB_MS, 10));
    const quick = Array.from({ length: QUICK_JOBS - QUICK_JOBS_BY_API }, (_, i) => seed("quick", 1_000 + i, 0, 0));
    await seeded.commit();
    quick.push(...(await inBatches(QUICK_JOBS_BY_API, (i) => createJob("quick", 2_000 + i))));
    const reviews = await inBatches(REVIEW_TASKS, async (i) => {
      const response = await call<{ data: { id: string } }>("POST", "/api/runners/tasks", {
        token: writeKey.key,
        body: {
          repositoryUrl: "https://example.com/org/repo.git",
          branch: "main",
          commitSha: `abcdef${i.toString(16).padStart(2, "0")}`,
          files: [{ path: `src/f${i}.ts`, status: "modified", patch: "@@ -1 +1 @@" }],
          aiConfig: { agentType: "test-agent" },
        },
      });
      assert.equal(response.status, 201, JSON.stringify(response.body));
      return response.body.data.id;
    });
    const run = async (deploymentId: string, n: number) => {
      const response = await cp<{ executionId: string }>(tenant, "POST", `/api/execution/run/onetime/${deploymentId}`, {
        body: { payload: { hello: `n${n}`, n } },
      });
      assert.equal(response.status, 202, JSON.stringify(response.body));
      return response.body.data.executionId;
    };
    const nodeRuns = await inBatches(NODE_EXECUTIONS, (i) => run(nodeDeployment.deploymentId, i));
    const pythonRuns = await inBatches(PYTHON_EXECUTIONS, (i) => run(pythonDeployment, i));
    const workspaceJobs = await inBatches(WORKSPACES, (i) => queuedWorkspace(user, "user", `Workspace ${i}`));
    const all = [...slow, ...quick, ...reviews, ...nodeRuns, ...pythonRuns, ...workspaceJobs.map((w) => w.jobId)];
    assert.equal(new Set(all).size, TOTAL);
    progress("all queued");

    const config = {
      jobs: {
        slow: { command: jobScript(trace), outputs: ["out/*.txt"] },
        quick: { command: jobScript(trace) },
      },
      review: { command: [process.execPath, "-e", REVIEW_SCRIPT] },
      workspace: { command: [process.execPath, "-e", WORKSPACE_SCRIPT] },
    };
    for (const id of ["e2e-1", "e2e-2", "e2e-3"]) {
      runners.push(
        startRunner({
          id,
          dir,
          config,
          token: runnerKey.key,
          codeToken: codeKey,
          workspaceToken: instance.runnerToken,
          args: ["--concurrency", "3", "--heartbeat-ms", "1000", "--poll-ms", "300", "--grace-ms", "20000"],
        }),
      );
    }
    const [victim, ...survivors] = runners as [RunnerProcess, RunnerProcess, RunnerProcess];
    progress("runners spawned");

    // Kill the victim while one of its slow jobs is running (its process started).
    const victimHolder = `${user.uid}:${victim.id}`;
    const killed = await eventually(
      async () => {
        const held = await db.collection("jobs").where("lease.holder", "==", victimHolder).get();
        const started = new Set(
          readTrace(trace)
            .filter(([, e]) => e === "start")
            .map(([id]) => id),
        );
        return held.docs.some((d) => (d.data() as JobDoc).payload.type === "slow" && started.has(d.id))
          ? true
          : undefined;
      },
      90_000,
      "the victim to run a slow job",
    );
    assert.ok(killed);
    victim.child.kill("SIGKILL");
    await victim.exited;
    const diedAt = Date.now();
    progress("victim killed");
    const finishedByVictim = new Set(victim.events.filter((e) => e.event === "finished").map((e) => String(e.jobId)));
    const inFlight = victim.events
      .filter((e) => e.event === "leased" && !finishedByVictim.has(String(e.jobId)))
      .map((e) => String(e.jobId));
    assert.ok(inFlight.length > 0);

    // The test stack runs no scheduler: act as Cloud Scheduler. The stale-runner reaper runs until
    // the victim is offline (later, on this loaded machine, it would also take survivors whose
    // heartbeats the emulator delays past the 3 s test threshold); the lease reaper runs to the end,
    // as in production: a lease that lapsed is dead to its holder (409), and only the reaper puts
    // its job back in the queue.
    await sleep(Number(TEST_FUNCTION_ENV.JOB_LEASE_MS) + 1_000);
    let reapedRunner = false;
    for (;;) {
      if (!reapedRunner) {
        await STACK_LOG.fireScheduled("reapStaleRunners");
        reapedRunner = (await db.collection("runners").doc(victimHolder).get()).data()?.status === "offline";
      }
      const held = (await db.collection("jobs").where("status", "in", ["LEASED", "RUNNING"]).get()).docs.map(
        (d) => d.data() as JobDoc,
      );
      const lapsed = held.filter((j) => j.lease !== null && j.lease.expiresAt.toMillis() < Date.now());
      if (reapedRunner && lapsed.length === 0) break;
      await STACK_LOG.fireScheduled("reapExpiredLeases");
      assert.ok(Date.now() - diedAt < 120_000, "the victim's work came back to the queue");
      await sleep(REAP_EVERY_MS);
    }
    progress("victim's work released");
    let ended: QueryDocumentSnapshot[] = [];
    for (const deadline = Date.now() + 150_000; ;) {
      await sleep(REAP_EVERY_MS);
      await STACK_LOG.fireScheduled("reapExpiredLeases");
      ended = (await db.collection("jobs").get()).docs;
      const final = ended.filter((d) => ["SUCCEEDED", "FAILED", "CANCELLED"].includes((d.data() as JobDoc).status));
      progress(`${final.length} ended`);
      if (final.length === TOTAL) break;
      if (Date.now() >= deadline) {
        const open = ended
          .filter((d) => !final.includes(d))
          .map((d) => {
            const j = d.data() as JobDoc;
            return `${d.id} ${j.kind} ${j.status} attempts=${j.attempts} holder=${j.lease?.holder ?? "-"}`;
          });
        assert.fail(`only ${final.length} of ${TOTAL} jobs ended; open: ${open.slice(0, 20).join("; ")}`);
      }
    }

    // Every job succeeded, each once: the server's view.
    progress("all ended");
    const jobs = new Map(ended.map((d) => [d.id, d.data() as JobDoc]));
    assert.deepEqual([...jobs.keys()].sort(), [...all].sort());
    const notSucceeded = [...jobs]
      .filter(([, j]) => j.status !== "SUCCEEDED")
      .map(([id, j]) => `${id} ${j.kind} ${j.status} ${j.error ?? ""}`);
    assert.deepEqual(notSucceeded, []);

    // The runners' own records: one reported end per job across all three.
    await Promise.all(
      survivors.map(async (r) => {
        r.child.kill("SIGTERM");
        assert.deepEqual(await exitOf(r, 60_000), { code: 0, signal: null }, r.id);
      }),
    );
    const workspaceOf = new Map(workspaceJobs.map((w) => [w.workspaceId, w.jobId]));
    const ledgers = runners.map((r) => ({ id: r.id, entries: r.ledger() }));
    const ends = new Map<string, string[]>();
    for (const { id, entries } of ledgers) {
      for (const e of entries.filter((x: LedgerEntry) => x.event === "finished" && x.outcome !== "RELEASED")) {
        const jobId = e.face === "workspace" ? (workspaceOf.get(e.jobId) ?? e.jobId) : e.jobId;
        ends.set(jobId, [...(ends.get(jobId) ?? []), `${id}:${e.outcome}${e.duplicate === true ? ":dup" : ""}`]);
      }
    }
    // "finishing" is written before the call that reports an end: it covers "finished" too.
    const victimFinishing = new Set(
      ledgers[0]?.entries
        .filter((e) => e.event === "finishing")
        .map((e) => (e.face === "workspace" ? (workspaceOf.get(e.jobId) ?? e.jobId) : e.jobId)),
    );
    for (const id of all) {
      const reported = ends.get(id) ?? [];
      // A runner killed between the server's answer and its next disk write has only "finishing".
      if (reported.length === 0 && victimFinishing.has(id) && jobs.get(id)?.finishedBy === victimHolder) continue;
      assert.equal(reported.length, 1, `${id} (${jobs.get(id)?.kind ?? "?"}) ended by ${JSON.stringify(reported)}`);
      assert.match(reported[0] ?? "", /:SUCCEEDED$/);
    }

    // The victim's unfinished work went back to the queue and another runner finished it (unless
    // the victim had reported it just before it died).
    const inFlightJobs = inFlight.map((id) => workspaceOf.get(id) ?? id);
    const victimReported = (id: string) => victimFinishing.has(id);
    for (const id of inFlightJobs.filter((j) => !victimReported(j))) {
      const job = jobs.get(id);
      assert.ok(job !== undefined, id);
      assert.ok(job.attempts >= 1, `${id} (${job.kind}) went back to the queue (attempts ${job.attempts})`);
      if (job.kind === "generic" || job.kind === "review")
        assert.notEqual(job.finishedBy, victimHolder, `${id} was finished by a survivor`);
    }
    assert.ok(
      inFlightJobs.some((id) => !victimReported(id)),
      "the victim died holding work it never reported",
    );

    // Jobs-API detail: each untouched job ran once, logged each line once, stored its artifact.
    const runsPerJob = new Map<string, number>();
    const victimStarted = new Set<string>();
    for (const [id, event, , runnerId] of readTrace(trace)) {
      if (event !== "start") continue;
      runsPerJob.set(id, (runsPerJob.get(id) ?? 0) + 1);
      if (runnerId === victim.id) victimStarted.add(id);
    }
    assert.ok(victimStarted.size > 0, "the victim's job processes are told apart by their runner id");
    const lostBySurvivors = new Set(
      survivors.flatMap((r) =>
        r.events.filter((e) => e.event === "finished" && e.outcome === "LOST").map((e) => String(e.jobId)),
      ),
    );
    const logs = await db.collectionGroup("logs").get();
    const linesPerJob = new Map<string, string[]>();
    for (const doc of logs.docs) {
      const jobId = doc.ref.parent.parent?.id ?? "";
      linesPerJob.set(jobId, [...(linesPerJob.get(jobId) ?? []), String(doc.data().line)]);
    }
    for (const id of [...slow, ...quick]) {
      const job = jobs.get(id);
      assert.ok(job !== undefined);
      const result = job.result as { exitCode?: number; artifacts?: string[]; output?: { doubled?: number } } | null;
      assert.deepEqual(result?.artifacts, slow.includes(id) ? ["out/result.txt"] : [], id);
      assert.equal(result?.output?.doubled, (job.payload.params as { n: number }).n * 2);
      if (inFlightJobs.includes(id) && !victimReported(id) && victimStarted.has(id)) {
        assert.ok((runsPerJob.get(id) ?? 0) >= 2, `${id}: the victim's run, then a survivor's`);
        continue;
      }
      if (inFlightJobs.includes(id) || lostBySurvivors.has(id)) continue; // leased again: ran once or more, ended once (above)
      const story = () =>
        JSON.stringify({
          attempts: job.attempts,
          trace: readTrace(trace).filter(([j]) => j === id),
          events: runners.map((r) => [
            r.id,
            r.events
              .filter((e) => e.jobId === id)
              .map((e) => `${String(e.event)}${typeof e.outcome === "string" ? `:${e.outcome}` : ""}`),
          ]),
        });
      assert.equal(runsPerJob.get(id), 1, `${id} ran once: ${story()}`);
      assert.equal(linesPerJob.get(id)?.length, 3, `${id}: ${JSON.stringify(linesPerJob.get(id))}`);
      assert.equal((job as JobDoc & { logSeq?: number }).logSeq, 3);
    }

    // Review tasks: the result the command printed; one log line per file.
    for (const id of reviews) {
      const job = jobs.get(id);
      assert.equal((job?.result as { outcome?: string; rating?: string } | null)?.rating, "A", id);
      assert.ok(
        linesPerJob.get(id)?.some((l) => l.startsWith("reviewed src/f")),
        id,
      );
    }
    // Executions: Node's exported function and Python's result file both came back.
    for (const [i, id] of nodeRuns.entries()) {
      const result = jobs.get(id)?.result as { exitCode: number; resultJson: string } | null;
      assert.equal(result?.exitCode, 0);
      assert.deepEqual(JSON.parse(result?.resultJson ?? "null"), { hello: `n${i}` });
    }
    for (const [i, id] of pythonRuns.entries()) {
      const result = jobs.get(id)?.result as { exitCode: number; output: string; resultJson: string } | null;
      assert.equal(result?.exitCode, 0);
      assert.match(result?.output ?? "", new RegExp(`^py ${i}$`, "m"));
      assert.deepEqual(JSON.parse(result?.resultJson ?? "null"), { n: i, lang: "python" });
    }
    // Workspaces: the reply is stored with its file.
    for (const [i, w] of workspaceJobs.entries()) {
      const view = await call<{ messages: { role: string; text: string; deliverables: unknown[] }[] }>(
        "GET",
        `/api/workspaces/${w.workspaceId}`,
        { token: user.idToken },
      );
      const reply = view.body.messages.find((m) => m.role === "assistant");
      assert.match(reply?.text ?? "", new RegExp(`^Plan for Workspace ${i} \\(1 messages\\)`));
      assert.equal(reply?.deliverables.length, 1);
    }

    // Every runner spoke JSON lines only, and the survivors deregistered.
    for (const r of runners) assert.deepEqual(r.stray, [], r.id);
    for (const r of survivors)
      assert.equal((await db.collection("runners").doc(`${user.uid}:${r.id}`).get()).data()?.status, "offline");
  });
});

/** A deployed Python version whose main.py prints and writes a result file. */
async function deployPython(tenant: Tenant): Promise<string> {
  const { definitionId, versionId } = await completedVersion(tenant, [{ name: "main.py", data: PYTHON_MAIN }], {
    languageType: 2,
  });
  const deployment = await cp<DeploymentView>(tenant, "POST", "/api/deployment/create", {
    body: { DefinitionId: definitionId, VersionId: versionId, Configuration: { Cpu: "250m", Memory: "256Mi" } },
  });
  assert.equal(deployment.status, 201, JSON.stringify(deployment.body));
  return deployment.body.data.id;
}
