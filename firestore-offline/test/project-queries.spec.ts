// Every query the functions make, run against the offline Firestore with the project's own
// firestore.indexes.json loaded: any query that production would refuse for want of an index
// fails here, named together with the index to declare. FIRESTORE_INDEXES points the test at
// another file (a scratch copy with an index removed, to see it fail).

import * as assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { deleteApp, getApps, initializeApp } from "firebase-admin/app";
import { AggregateField, FieldPath, Timestamp } from "firebase-admin/firestore";
import { HELD_STATUSES, shardsOf, type JobStatus } from "../../functions/src/core/jobs/model";
import { POD_STATUSES } from "../../functions/src/core/runners/reviewTask";
import {
  dueDeployments,
  deploymentsOfDefinition,
  definitionsOfTenant,
  lapsedVersions,
  versionsOfDefinition,
} from "../../functions/src/data/code";
import { findInstance, teamCredentials } from "../../functions/src/data/credentials";
import { COLLECTIONS } from "../../functions/src/data/collections";
import { db } from "../../functions/src/data/firestore";
import { ownedJobsPage } from "../../functions/src/data/genericJobs";
import { artifactsOf } from "../../functions/src/data/jobArtifacts";
import { logsAfter } from "../../functions/src/data/jobLogs";
import { messagesAfter } from "../../functions/src/data/jobMessages";
import {
  expiredLeases,
  jobs,
  dueJobs,
  dueLaterJobs,
  nextLaterJob,
  pendingCandidates,
  pendingHead,
  recentJobsOfQueue,
} from "../../functions/src/data/jobs";
import { invitations, members, membershipsOf, ownersOf } from "../../functions/src/data/teams";
import {
  heldJobsOf,
  jobsRanBy,
  longOfflineRunners,
  ownedRunnersByHeartbeat,
  ownedRunnersBySeq,
  ownedRunnersInStatus,
  runnerBySeq,
  staleRunners,
} from "../../functions/src/data/runners";
import { deliverables, messages, ownedWorkspaces, workspaces } from "../../functions/src/data/workspaces";
import { blobReferences } from "../../functions/src/data/blobReferences";
import {
  insightsInOrder,
  intelligenceFileRef,
  liveIntelligenceFiles,
  proposalsByStatus,
  versionHistory,
} from "../../functions/src/data/intelligence";
import {
  activeKeysOfTeam,
  pendingJobsOfTeam,
  pendingJobsOfTenant,
  runnersOfTeam,
  workspacesOfTeam,
} from "../../functions/src/data/quotas";
import { teamRunnersIn } from "../../functions/src/data/metrics";
import { presentOffering, tokenChunksFrom } from "../../functions/src/data/runnerAsks";
import { deliveries, webhooks } from "../../functions/src/data/webhooks";
import { startOfflineFirestore, type OfflineFirestore } from "../src/index";

const ROOT = join(__dirname, "..", "..");
const INDEXES = process.env.FIRESTORE_INDEXES ?? join(ROOT, "firestore.indexes.json");
const FUNCTIONS_SRC = join(ROOT, "functions", "src");

/**
 * The source files that build queries; each one's queries are run below. A new file that
 * queries must be added here (and its queries below): the completeness check fails until then.
 */
const QUERYING_FILES = [
  "core/blobs/blobStore.ts",
  "core/metrics/readMetrics.ts",
  "core/quotas/guardCount.ts",
  "core/teams/deleteTeam.ts",
  "core/teams/ensurePersonalTeam.ts",
  "core/teams/manageInvitations.ts",
  // The held-task count of a claim (the same query as `heldJobsOf`, counted).
  "core/runners/claimReviewTasks.ts",
  "core/runners/readRunners.ts",
  "core/workspaces/buildRunnerContext.ts",
  "core/webhooks/deliveries.ts",
  "core/webhooks/manageWebhooks.ts",
  "core/workspaces/readWorkspace.ts",
  "data/blobReferences.ts",
  "data/code.ts",
  "data/credentials.ts",
  "data/genericJobs.ts",
  "data/jobArtifacts.ts",
  "data/jobLogs.ts",
  "data/jobMessages.ts",
  "data/jobs.ts",
  "data/intelligence.ts",
  "data/metrics.ts",
  "data/quotas.ts",
  "data/runnerAsks.ts",
  "data/runners.ts",
  "data/teams.ts",
  "data/workspaces.ts",
];

const QUERY_CALL = /\.(where|orderBy|count|aggregate|findNearest)\(|collectionGroup\(/;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") && !entry.name.endsWith(".spec.ts") ? [path] : [];
  });
}

/** Every query shape the functions build, with representative arguments. */
function projectQueries(): { name: string; run: () => Promise<unknown> }[] {
  const now = Timestamp.now();
  const get = (query: { get(): Promise<unknown> }) => () => query.get();
  const tagSetsFor = (n: number) => Array.from({ length: n }, (_, i) => JSON.stringify([`t${i}`]));
  const queue = "workspace/user:uid-1";
  const workspace = workspaces().doc("ws-1");
  const statusSets: (readonly JobStatus[] | null)[] = [null, ...Object.values(POD_STATUSES)];
  return [
    { name: "versionsOfDefinition", run: get(versionsOfDefinition("def-1", 10)) },
    { name: "definitionsOfTenant", run: get(definitionsOfTenant("tenant-1", 10)) },
    { name: "deploymentsOfDefinition", run: get(deploymentsOfDefinition("def-1", 10)) },
    { name: "lapsedVersions", run: get(lapsedVersions(now, 10)) },
    { name: "dueDeployments", run: get(dueDeployments(now, 10)) },
    { name: "findInstance", run: () => findInstance("instance-1") },
    { name: "teamCredentials(runner)", run: get(teamCredentials("team-1", "runner").limit(50)) },
    { name: "teamCredentials(apiKey)", run: get(teamCredentials("team-1", "apiKey").limit(50)) },
    { name: "membershipsOf", run: get(membershipsOf("uid-1")) },
    { name: "presentOffering", run: get(presentOffering("team-1", "cap:llm", now, 5)) },
    { name: "tokenChunksFrom", run: get(tokenChunksFrom("job-1", 0)) },
    { name: "ownersOf", run: get(ownersOf("team-1")) },
    { name: "members page", run: get(members("team-1").limit(100)) },
    // Built inline in core/teams (manageInvitations, deleteTeam, ensurePersonalTeam).
    { name: "invitations by createdAt", run: get(invitations("team-1").orderBy("createdAt", "desc").limit(100)) },
    {
      name: "unfinished jobs of a team",
      run: get(
        jobs()
          .where("teamId", "==", "team-1")
          .where("status", "in", ["PENDING", "LEASED", "RUNNING", "PAUSED"])
          .limit(1),
      ),
    },
    ...[COLLECTIONS.credentials, COLLECTIONS.runners, COLLECTIONS.jobs, COLLECTIONS.workspaces].map((name) => ({
      name: `legacy records of a user in ${name}`,
      run: get(
        db()
          .collection(name)
          .where("ownerUid", "==", "uid-1")
          .orderBy(FieldPath.documentId())
          .startAfter("a")
          .limit(200),
      ),
    })),
    ...[
      { queue: "generic/user:uid-1" },
      { queue: "generic/user:uid-1", statuses: ["PENDING"] as JobStatus[] },
      { queue: "generic/user:uid-1", statuses: ["PENDING", "RUNNING"] as JobStatus[] },
      { queue: "generic/user:uid-1", type: "build" },
      { queue: "generic/user:uid-1", statuses: ["FAILED"] as JobStatus[], type: "build" },
      { queue: "generic/user:uid-1", statuses: ["FAILED", "CANCELLED"] as JobStatus[], type: "build" },
    ].flatMap((filter) => [
      { name: `ownedJobsPage(${JSON.stringify(filter)})`, run: get(ownedJobsPage(filter, null, 20)) },
      {
        name: `ownedJobsPage(${JSON.stringify(filter)}, after)`,
        run: get(ownedJobsPage(filter, { createdAt: now, id: "job-1" }, 20)),
      },
    ]),
    { name: "artifactsOf", run: get(artifactsOf("job-1", 100)) },
    { name: "logsAfter", run: get(logsAfter("job-1", 3, 100)) },
    { name: "messagesAfter", run: get(messagesAfter("job-1", 3, 100)) },
    { name: "pendingCandidates", run: () => pendingCandidates(shardsOf(queue), 25) },
    {
      name: "pendingCandidates (tag sets, chunked)",
      run: () => pendingCandidates(shardsOf(queue, ["", '["gpu"]', '["gpu","linux"]', ...tagSetsFor(8)]), 25),
    },
    { name: "pendingHead (a waiting call's watch of one tag set)", run: get(pendingHead(shardsOf(queue), 8)) },
    { name: "dueLaterJobs", run: get(dueLaterJobs(`${queue}#later`, now, 50)) },
    { name: "nextLaterJob", run: get(nextLaterJob(`${queue}#later`)) },
    { name: "dueJobs", run: get(dueJobs(now, 50)) },
    { name: "expiredLeases", run: get(expiredLeases(now, 100)) },
    { name: "recentJobsOfQueue", run: get(recentJobsOfQueue(queue, 20)) },
    { name: "ownedRunnersByHeartbeat", run: get(ownedRunnersByHeartbeat("uid-1", 100)) },
    { name: "ownedRunnersBySeq", run: get(ownedRunnersBySeq("uid-1", 100)) },
    { name: "ownedRunnersInStatus", run: get(ownedRunnersInStatus("uid-1", "online", 100)) },
    { name: "runnerBySeq", run: get(runnerBySeq(7)) },
    { name: "staleRunners", run: get(staleRunners(now, 100)) },
    { name: "longOfflineRunners", run: get(longOfflineRunners(now, 100)) },
    { name: "heldJobsOf", run: get(heldJobsOf("uid-1:runner-1", HELD_STATUSES.length)) },
    ...statusSets.flatMap((statuses) => [
      {
        name: `jobsRanBy(${JSON.stringify(statuses)}).count()`,
        run: get(jobsRanBy("uid-1:runner-1", statuses).count()),
      },
      {
        name: `jobsRanBy(${JSON.stringify(statuses)}) page`,
        run: get(jobsRanBy("uid-1:runner-1", statuses).offset(10).limit(10)),
      },
    ]),
    { name: "ownedWorkspaces", run: get(ownedWorkspaces("uid-1", 50)) },
    // Built inline in core/workspaces (buildRunnerContext, readWorkspace).
    { name: "workspace messages by seq", run: get(messages(workspace).orderBy("seq", "desc").limit(1000)) },
    {
      name: "workspace deliverables by createdAt",
      run: get(deliverables(workspace).orderBy("createdAt", "desc").limit(1000)),
    },
    // Metrics (core/metrics/readMetrics): the fleet's runners by state, aggregated.
    {
      name: "metrics fleet aggregate",
      run: get(
        teamRunnersIn("team-1", ["online", "busy"]).aggregate({
          count: AggregateField.count(),
          slots: AggregateField.sum("maxConcurrency"),
          held: AggregateField.sum("heldJobs"),
        }),
      ),
    },
    { name: "metrics fleet count", run: get(teamRunnersIn("team-1", ["offline"]).count()) },
    // Quotas: each counted with limit(max).count() in core/quotas/guardCount.
    ...[
      pendingJobsOfTeam("team-1"),
      pendingJobsOfTenant("tenant-1"),
      activeKeysOfTeam("team-1"),
      runnersOfTeam("team-1"),
      workspacesOfTeam("team-1"),
    ].map((query, i) => ({ name: `quota count ${i}`, run: get(query.limit(1000).count()) })),
    ...blobReferences("0".repeat(64)).map((query, i) => ({ name: `blobReferences ${i}`, run: get(query.limit(1)) })),
    // Built inline in core/blobs/blobStore (the orphaned-blob sweep's listing).
    {
      name: "blobs by id",
      run: get(db().collection(COLLECTIONS.blobs).orderBy(FieldPath.documentId()).startAfter("a").limit(500)),
    },
    // Built inline in core/webhooks (deliveries, manageWebhooks).
    { name: "webhook deliveries", run: get(deliveries("team-1", "github").orderBy("receivedAt", "desc").limit(50)) },
    { name: "webhooks by plugin", run: get(webhooks("team-1").orderBy("pluginId").limit(100)) },
    { name: "liveIntelligenceFiles", run: get(liveIntelligenceFiles("team-1", 500)) },
    {
      name: "versionHistory",
      run: get(versionHistory(intelligenceFileRef("team-1", "tenant", "notes.md"), 50)),
    },
    { name: "proposalsByStatus(all)", run: get(proposalsByStatus("team-1", undefined, 50)) },
    { name: "proposalsByStatus(pending)", run: get(proposalsByStatus("team-1", "pending", 50)) },
    { name: "insightsInOrder", run: get(insightsInOrder("job-1", 200)) },
  ];
}

describe(`the functions' queries against ${relative(ROOT, INDEXES)}`, function () {
  this.timeout(120_000);
  let firestore: OfflineFirestore | undefined;
  const saved = { host: process.env.FIRESTORE_EMULATOR_HOST, project: process.env.GCLOUD_PROJECT };

  before(async () => {
    assert.equal(getApps().length, 0, "the data layer's default app must be this test's");
    firestore = await startOfflineFirestore({ port: 0, indexes: INDEXES });
    process.env.FIRESTORE_EMULATOR_HOST = `127.0.0.1:${firestore.port}`;
    process.env.GCLOUD_PROJECT = "demo-runnerplane";
    initializeApp({ projectId: "demo-runnerplane" });
  });

  after(async () => {
    await Promise.all(getApps().map((app) => deleteApp(app)));
    await firestore?.stop();
    for (const [key, value] of [
      ["FIRESTORE_EMULATOR_HOST", saved.host],
      ["GCLOUD_PROJECT", saved.project],
    ] as const) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  });

  it("lists every source file that builds a query", () => {
    const querying = sourceFiles(FUNCTIONS_SRC)
      .filter((file) => QUERY_CALL.test(readFileSync(file, "utf8")))
      .map((file) => relative(FUNCTIONS_SRC, file).split("\\").join("/"))
      .sort();
    assert.deepEqual(querying, [...QUERYING_FILES].sort());
  });

  it("needs no index that the file does not declare", async () => {
    const queries = projectQueries();
    assert.ok(db().settings !== undefined);
    const refused: string[] = [];
    // One at a time: a refused query is retried by the SDK for a few seconds before it fails.
    for (const { name, run } of queries) {
      await run().catch((err: unknown) => refused.push(`${name}: ${err instanceof Error ? err.message : String(err)}`));
    }
    assert.deepEqual(refused, [], `queries production would refuse:\n${refused.join("\n")}`);
    assert.ok(queries.length >= 40, `${queries.length} queries run`);
  });
});
