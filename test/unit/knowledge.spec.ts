/**
 * Insights, proposals and the runner configuration against the offline Firestore in this
 * process: the core operations' transactions for real (lease fence, one application per
 * proposal, one If-Match winner), without HTTP or a stack's 4 s leases.
 */
import assert from "node:assert/strict";
import { Timestamp } from "firebase-admin/firestore";
import { newJobDoc } from "../../functions/src/core/jobs/newJob";
import { holderOf, queueOf } from "../../functions/src/core/jobsApi/model";
import {
  createInsight,
  decideInsight,
  deleteInsight,
  editInsight,
  listInsights,
} from "../../functions/src/core/insights/insights";
import { putFile, readFile, readHistory } from "../../functions/src/core/intelligence/files";
import { createProposal, decideProposal } from "../../functions/src/core/intelligence/proposals";
import { putRunnerConfig, runnerConfigVersion } from "../../functions/src/core/runnerConfig/runnerConfig";
import { db } from "../../functions/src/data/firestore";
import { ApiError } from "../../functions/src/http/errors";
import { startOfflineDb, type OfflineDb } from "./offlineDb";

const TEAM = "team_unit";
const runner = { teamId: TEAM, runnerId: "r1" };

async function heldJob(): Promise<string> {
  const ref = db().collection("jobs").doc();
  const future = Timestamp.fromMillis(Date.now() + 600_000);
  await ref.set({
    ...newJobDoc(
      ref.id,
      { kind: "generic", queue: queueOf(TEAM), teamId: TEAM, payload: { type: "t" }, leaseMs: 600_000 },
      new Date(),
    ),
    status: "LEASED",
    lease: { holder: holderOf(TEAM, "r1"), token: "tok", expiresAt: future },
    leaseExpiresAt: future,
  });
  return ref.id;
}

const status = (e: unknown) => (e instanceof ApiError ? `${e.status} ${e.reason}` : String(e));

describe("insights, proposals and runner configuration (core, offline Firestore)", function () {
  this.timeout(30_000);
  // A fresh Admin app over a fresh offline Firestore: an earlier spec's app may point at one
  // that has stopped.
  let offline: OfflineDb | undefined;
  before(async () => {
    offline = await startOfflineDb();
  });
  after(async () => {
    await offline?.stop();
  });

  it("records an insight only for the lease holder, then edits, decides and deletes it", async () => {
    const jobId = await heldJob();
    const fields = { phase: "build", category: "ci", summary: "s", detail: "d" };
    await assert.rejects(
      createInsight({ ...runner, runnerId: "r2" }, "r2", jobId, "tok", fields, new Date()),
      (e) => status(e) === "409 LEASE_NOT_HELD",
    );
    await assert.rejects(
      createInsight(runner, "r1", jobId, "nope", fields, new Date()),
      (e) => status(e) === "409 LEASE_NOT_HELD",
    );
    const made = await createInsight(runner, "r1", jobId, "tok", fields, new Date());
    assert.equal((await listInsights(TEAM, jobId, undefined)).insights.length, 1);
    await assert.rejects(listInsights("other_team", jobId, undefined), (e) => status(e) === "404 JOB_NOT_FOUND");
    const edited = await editInsight(TEAM, jobId, made.insightId, { summary: "better" }, "uid-m", new Date());
    assert.equal(edited.summary, "better");
    assert.equal(edited.editedBy, "uid-m");
    const approved = await decideInsight(TEAM, jobId, made.insightId, "approve", "uid-m", new Date());
    assert.equal(approved.status, "approved");
    assert.equal(approved.decidedBy, "uid-m");
    assert.equal((await listInsights(TEAM, jobId, "pending")).insights.length, 0);
    await deleteInsight(TEAM, jobId, made.insightId);
    await assert.rejects(deleteInsight(TEAM, jobId, made.insightId), (e) => status(e) === "404 INSIGHT_NOT_FOUND");
  });

  it("applies a proposal once however many approve it at once", async () => {
    const jobId = await heldJob();
    const target = { layer: "tenant", path: "rules.md" };
    await putFile(TEAM, target, "a\nb\n", undefined, "uid-m", new Date());
    const proposal = await createProposal(
      runner,
      "r1",
      jobId,
      "tok",
      { ...target, patch: "@@ -2 +2,2 @@\n b\n+c\n", rationale: "r" },
      new Date(),
    );
    const results = await Promise.allSettled(
      Array.from({ length: 6 }, () =>
        decideProposal(TEAM, proposal.proposalId, "approve", "uid-m", undefined, new Date()),
      ),
    );
    const won = results.filter((r) => r.status === "fulfilled");
    assert.equal(won.length, 1, results.map((r) => (r.status === "rejected" ? status(r.reason) : "ok")).join(", "));
    for (const r of results)
      if (r.status === "rejected") assert.match(status(r.reason), /^(409 PROPOSAL_DECIDED|503 TRY_AGAIN)$|ABORTED/);
    const file = await readFile(TEAM, target);
    assert.equal(file.content, "a\nb\nc\n");
    assert.equal(file.version, 2);
    const history = await readHistory(TEAM, target);
    assert.deepEqual(
      history.versions.map((v) => [v.version, v.proposalId]),
      [
        [2, proposal.proposalId],
        [1, null],
      ],
    );
  });

  it("saves the configuration once per If-Match and reports its version", async () => {
    await putRunnerConfig(TEAM, {}, undefined, "uid-a", new Date());
    const results = await Promise.allSettled(
      Array.from({ length: 6 }, (_, i) =>
        putRunnerConfig(TEAM, { llm: { defaultModel: `m${i}` } }, [1], "uid-a", new Date()),
      ),
    );
    assert.equal(results.filter((r) => r.status === "fulfilled").length, 1);
    for (const r of results)
      if (r.status === "rejected") assert.match(status(r.reason), /^(412 PRECONDITION_FAILED|503 TRY_AGAIN)$|ABORTED/);
    assert.equal(await runnerConfigVersion(TEAM), 2);
  });
});
