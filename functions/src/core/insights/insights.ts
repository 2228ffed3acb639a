/**
 * Insights: what a runner learned while running a job (`{ phase, category, summary, detail,
 * suggestion? }`), posted while it holds the job and curated by people: edited, approved or
 * rejected (who and when kept), deleted. They live under the job (`jobs/{jobId}/insights`), so
 * the job's visibility rules (the team's own jobs-API jobs only) are theirs too.
 */
import { Timestamp } from "firebase-admin/firestore";
import { MAX_INSIGHTS_PER_JOB, type Insight, type InsightStatus } from "../../../../contract/src/intelligence";
import { db } from "../../data/firestore";
import { insights, insightsInOrder, type InsightDoc } from "../../data/intelligence";
import { assert, Conflict, NotFound } from "../../http/errors";
import { holdInTransaction, type JobsRunner } from "../jobsApi/heldJob";
import { ownedInTransaction, readOwnedJob } from "../jobsApi/ownedJob";

export interface InsightFields {
  phase: string;
  category: string;
  summary: string;
  detail: string;
  suggestion?: string | null;
}

const iso = (at: Timestamp | null) => (at === null ? null : at.toDate().toISOString());

export function insightView(id: string, doc: InsightDoc): Insight {
  return {
    insightId: id,
    jobId: doc.jobId,
    phase: doc.phase,
    category: doc.category,
    summary: doc.summary,
    detail: doc.detail,
    suggestion: doc.suggestion,
    status: doc.status,
    createdBy: doc.createdBy,
    createdAt: iso(doc.createdAt) ?? "",
    editedBy: doc.editedBy,
    editedAt: iso(doc.editedAt),
    decidedBy: doc.decidedBy,
    decidedAt: iso(doc.decidedAt),
  };
}

const notFound = () => new NotFound("INSIGHT_NOT_FOUND", "No such insight on this job.");

/**
 * `POST /jobs/:jobId/runner/insights`: recorded in the same transaction that checks the lease
 * (409 LEASE_NOT_HELD otherwise). The per-job cap is counted before, so a burst of concurrent
 * posts may pass it by a few: it bounds storage, it is not a quota.
 */
export async function createInsight(
  runner: JobsRunner,
  createdBy: string,
  jobId: string,
  token: string,
  fields: InsightFields,
  now: Date,
): Promise<Insight> {
  const ref = insights(jobId).doc();
  const doc: InsightDoc = {
    teamId: runner.teamId,
    jobId,
    phase: fields.phase,
    category: fields.category,
    summary: fields.summary,
    detail: fields.detail,
    suggestion: fields.suggestion ?? null,
    status: "pending",
    createdBy,
    createdAt: Timestamp.fromDate(now),
    editedBy: null,
    editedAt: null,
    decidedBy: null,
    decidedAt: null,
  };
  await db().runTransaction(async (tx) => {
    await holdInTransaction(tx, runner, jobId, token, now);
    const existing = await tx.get(insights(jobId).select().limit(MAX_INSIGHTS_PER_JOB));
    assert(
      existing.size < MAX_INSIGHTS_PER_JOB,
      new Conflict("TOO_MANY_INSIGHTS", `A job holds at most ${MAX_INSIGHTS_PER_JOB} insights.`, {
        limit: MAX_INSIGHTS_PER_JOB,
      }),
    );
    tx.create(ref, doc);
  });
  return insightView(ref.id, doc);
}

/** `GET /jobs/:jobId/insights?status=`: in the order they were posted. */
export async function listInsights(teamId: string, jobId: string, status: InsightStatus | undefined) {
  await readOwnedJob(teamId, jobId);
  const snap = await insightsInOrder(jobId, MAX_INSIGHTS_PER_JOB).get();
  const all = snap.docs.map((d) => insightView(d.id, d.data()));
  return { insights: status === undefined ? all : all.filter((i) => i.status === status) };
}

/** `PATCH /jobs/:jobId/insights/:insightId`: people correct what the runner wrote. */
export async function editInsight(
  teamId: string,
  jobId: string,
  insightId: string,
  changes: Partial<InsightFields>,
  by: string,
  now: Date,
): Promise<Insight> {
  const ref = insights(jobId).doc(insightId);
  return db().runTransaction(async (tx) => {
    await ownedInTransaction(tx, teamId, jobId);
    const doc = (await tx.get(ref)).data();
    assert(doc !== undefined, notFound());
    const edited: Partial<InsightDoc> = { ...changes, editedBy: by, editedAt: Timestamp.fromDate(now) };
    tx.update(ref, edited);
    return insightView(insightId, { ...doc, ...edited });
  });
}

/**
 * `POST /jobs/:jobId/insights/:insightId/approve | reject`: the decision, its author and time.
 * A member may change their mind (approve what was rejected); repeating a decision changes nothing.
 */
export async function decideInsight(
  teamId: string,
  jobId: string,
  insightId: string,
  decision: "approve" | "reject",
  by: string,
  now: Date,
): Promise<Insight> {
  const ref = insights(jobId).doc(insightId);
  const status: InsightStatus = decision === "approve" ? "approved" : "rejected";
  return db().runTransaction(async (tx) => {
    await ownedInTransaction(tx, teamId, jobId);
    const doc = (await tx.get(ref)).data();
    assert(doc !== undefined, notFound());
    if (doc.status === status) return insightView(insightId, doc);
    const decided: Partial<InsightDoc> = { status, decidedBy: by, decidedAt: Timestamp.fromDate(now) };
    tx.update(ref, decided);
    return insightView(insightId, { ...doc, ...decided });
  });
}

/** `DELETE /jobs/:jobId/insights/:insightId`. */
export async function deleteInsight(teamId: string, jobId: string, insightId: string) {
  const ref = insights(jobId).doc(insightId);
  return db().runTransaction(async (tx) => {
    await ownedInTransaction(tx, teamId, jobId);
    assert((await tx.get(ref)).exists, notFound());
    tx.delete(ref);
    return { ok: true as const, insightId };
  });
}
