/**
 * Issue 16, item 5 (the cost floor): metrics cost a job's lifecycle no writes. A jobs-API job is
 * created, leased, heartbeated and completed, and after each step the test lists every top-level
 * document whose update time moved: the job alone (create may also write the pending-quota lock,
 * `quotas/*`, which is another change's to remove), never a metrics document; the offline
 * Firestore's counters (`/emulator/v1/stats`) say how many writes each step cost. The team's
 * metrics still count the job.
 */
import assert from "node:assert/strict";
import type { MetricsAnswer } from "../../contract/src/metrics";
import { PORTS } from "../../scripts/stack";
import { serveFunctionsInProcess } from "../harness/inProcess";
import { adminDb, call } from "../harness/stack";
import { jobBody, jobsUser, warmUp, type Leased } from "./jobs-fixtures";

/** Collections a step may write besides its job, and why. */
const ALLOWED_ELSEWHERE: Record<string, string> = {
  // The pending-jobs quota's lock (core/quotas), written by every create until it is replaced.
  quotas: "the pending-jobs quota",
};

async function documentWrites(): Promise<number> {
  const host = process.env.FIRESTORE_EMULATOR_HOST ?? `127.0.0.1:${PORTS.firestore}`;
  const response = await fetch(`http://${host}/emulator/v1/stats`);
  return ((await response.json()) as { documentWrites: number }).documentWrites;
}

/** Every top-level document's path → its update time. */
async function topLevelDocuments(): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const collection of await adminDb().listCollections()) {
    const snap = await collection.select().get();
    for (const doc of snap.docs) out.set(doc.ref.path, doc.updateTime.toMillis());
  }
  return out;
}

/** The top-level documents `step` created or updated. */
async function written(step: () => Promise<void>): Promise<{ paths: string[]; writes: number }> {
  const before = await topLevelDocuments();
  const writesBefore = await documentWrites();
  await step();
  const writes = (await documentWrites()) - writesBefore;
  const after = await topLevelDocuments();
  const paths = [...after].filter(([path, at]) => before.get(path) !== at).map(([path]) => path);
  return { paths: paths.sort(), writes };
}

describe("metrics: a job's lifecycle writes nothing for metrics", () => {
  let fast: Awaited<ReturnType<typeof serveFunctionsInProcess>> | undefined;
  before(async function () {
    this.timeout(300_000);
    await warmUp([["/jobs", 1]]).catch(() => warmUp([["/jobs", 1]]));
    fast = await serveFunctionsInProcess();
  });
  after(async () => {
    await fast?.stop();
  });

  it("create, lease, heartbeat and complete write the job and nothing else for metrics", async function () {
    this.timeout(120_000);
    const base = fast?.base;
    const { user, writeKey, runnerKey } = await jobsUser();
    // A first job in the same queue: the keys' `lastUsedAt` (at most once a minute) and any
    // first-time write are out of the way before the measured job.
    const lifecycle = async (measure: boolean) => {
      let jobId = "";
      let leased: Leased | undefined;
      const steps: [string, () => Promise<void>][] = [
        [
          "create",
          async () => {
            const r = await call<{ id: string }>("POST", "/jobs", { base, token: writeKey, body: jobBody() });
            assert.equal(r.status, 201, JSON.stringify(r.body));
            jobId = r.body.id;
          },
        ],
        [
          "lease",
          async () => {
            const r = await call<{ jobs: Leased[] }>("POST", "/jobs/runner/lease", {
              base,
              token: runnerKey,
              body: { runnerId: "r1", limit: 1 },
            });
            assert.equal(r.status, 200, JSON.stringify(r.body));
            leased = r.body.jobs[0];
            assert.equal(leased?.id, jobId);
          },
        ],
        ...(["heartbeat", "complete"] as const).map((action): [string, () => Promise<void>] => [
          action,
          async () => {
            const r = await call("POST", `/jobs/${jobId}/runner/${action}`, {
              base,
              token: runnerKey,
              body: {
                runnerId: "r1",
                leaseToken: leased?.leaseToken,
                ...(action === "complete" ? { result: { ok: true } } : {}),
              },
            });
            assert.equal(r.status, 200, JSON.stringify(r.body));
          },
        ]),
      ];
      for (const [name, step] of steps) {
        if (!measure) {
          await step();
          continue;
        }
        const { paths, writes } = await written(step);
        console.log(`      ${name}: ${writes} document writes (${paths.join(", ")})`);
        const others = paths.filter((p) => p !== `jobs/${jobId}`);
        assert.ok(
          others.every((p) => (p.split("/")[0] ?? "") in ALLOWED_ELSEWHERE),
          `${name} wrote ${others.join(", ")}`,
        );
        assert.ok(paths.includes(`jobs/${jobId}`), `${name} wrote its job`);
        if (name !== "create") assert.deepEqual(others, [], `${name} writes the job alone`);
      }
      return jobId;
    };
    await lifecycle(false);
    const jobId = await lifecycle(true);

    // And the metrics still see both jobs.
    const metrics = await call<MetricsAnswer>("GET", "/api/metrics", {
      base,
      token: user.idToken,
      headers: { accept: "application/json" },
    });
    assert.equal(metrics.status, 200, JSON.stringify(metrics.body));
    assert.deepEqual(
      metrics.body.queues.map((q) => [q.queue, q.finished.succeeded, q.runSeconds.count, q.waitSeconds.count]),
      [["jobs", 2, 2, 2]],
    );
    assert.ok(jobId !== "");
  });
});
