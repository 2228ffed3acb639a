/**
 * Seed 002's `GET /jobs/:jobId/insights` and `DELETE /jobs/:jobId/insights/:insightId`, with
 * the curation between: edit (`PATCH`), approve or reject. Reads: the team's viewers and
 * `jobs:read` keys; curation: members (people, recorded by uid).
 */
import { z } from "zod";
import {
  INSIGHT_STATUSES,
  MAX_CATEGORY_CHARS,
  MAX_DETAIL_CHARS,
  MAX_PHASE_CHARS,
  MAX_SUMMARY_CHARS,
} from "../../../../contract/src/intelligence";
import { idSchema } from "../../../../contract/src/common";
import { decideInsight, deleteInsight, editInsight, listInsights } from "../../core/insights/insights";
import { assert, NotFound } from "../../http/errors";
import { endpoint } from "../../http/route";
import { JOBS_READ } from "./auth";
import { jobParams } from "./schemas";

const insightParams = jobParams.extend({ insightId: idSchema });
const PEOPLE = { accept: ["user"] } as const;
const DECISIONS = ["approve", "reject"] as const;
const text = (max: number) => z.string().trim().min(1).max(max);

export const listJobInsights = endpoint({
  face: "jobs",
  method: "GET",
  path: "/jobs/:jobId/insights",
  auth: JOBS_READ,
  params: jobParams,
  query: z.object({ status: z.enum(INSIGHT_STATUSES).optional() }),
  handler: async ({ principal, params, query }) => ({
    body: await listInsights(principal.teamId, params.jobId, query.status),
  }),
});

/** `PATCH /jobs/:jobId/insights/:insightId` `{ phase?, category?, summary?, detail?, suggestion? }` → the insight. */
export const editJobInsight = endpoint({
  face: "jobs",
  method: "PATCH",
  path: "/jobs/:jobId/insights/:insightId",
  auth: PEOPLE,
  params: insightParams,
  body: z
    .object({
      phase: text(MAX_PHASE_CHARS).optional(),
      category: text(MAX_CATEGORY_CHARS).optional(),
      summary: text(MAX_SUMMARY_CHARS).optional(),
      detail: text(MAX_DETAIL_CHARS).optional(),
      suggestion: text(MAX_DETAIL_CHARS).nullable().optional(),
    })
    .strict()
    .refine((b) => Object.values(b).some((v) => v !== undefined), "change at least one field"),
  handler: async ({ principal, params, body, now }) => ({
    body: await editInsight(principal.teamId, params.jobId, params.insightId, body, principal.uid, now),
  }),
});

export const deleteJobInsight = endpoint({
  face: "jobs",
  method: "DELETE",
  path: "/jobs/:jobId/insights/:insightId",
  auth: PEOPLE,
  params: insightParams,
  handler: async ({ principal, params }) => ({
    body: await deleteInsight(principal.teamId, params.jobId, params.insightId),
  }),
});

/** `POST /jobs/:jobId/insights/:insightId/approve | reject` → the insight with `decidedBy`, `decidedAt`. */
export const decideJobInsight = endpoint({
  face: "jobs",
  method: "POST",
  path: "/jobs/:jobId/insights/:insightId/:decision",
  auth: PEOPLE,
  params: insightParams.extend({ decision: z.string() }),
  handler: async ({ principal, params, now }) => {
    const decision = params.decision;
    assert(
      (DECISIONS as readonly string[]).includes(decision),
      new NotFound("ROUTE_NOT_FOUND", `No insight action named ${decision}; use approve or reject.`),
    );
    return {
      body: await decideInsight(
        principal.teamId,
        params.jobId,
        params.insightId,
        decision as (typeof DECISIONS)[number],
        principal.uid,
        now,
      ),
    };
  },
});
