/**
 * Seed 002's `GET /proposals` (the cloud's "Proposal review"): runners propose changes to
 * intelligence files while they hold a job; members approve (the change is applied as the file's
 * next version) or reject.
 */
import { z } from "zod";
import { PROPOSAL_STATUSES } from "../../../../contract/src/intelligence";
import { decideProposal, listProposals, MAX_LISTED_PROPOSALS, readProposal } from "../../core/intelligence/proposals";
import { assert, NotFound } from "../../http/errors";
import { endpoint } from "../../http/route";
import { wholeNumber } from "../../http/schemas";
import { idSchema } from "../../../../contract/src/common";
import { JOBS_READ } from "./auth";

const proposalParams = z.object({ proposalId: idSchema });
const DECISIONS = ["approve", "reject"] as const;

/** `GET /proposals?status=pending|approved|rejected&limit=` → `{ proposals }`, newest first (no content). */
export const listProposalsEndpoint = endpoint({
  face: "jobs",
  method: "GET",
  path: "/proposals",
  auth: JOBS_READ,
  query: z.object({
    status: z.enum(PROPOSAL_STATUSES).optional(),
    limit: wholeNumber(1, MAX_LISTED_PROPOSALS).optional(),
  }),
  handler: async ({ principal, query }) => ({
    body: await listProposals(principal.teamId, query.status, query.limit ?? 50),
  }),
});

/** `GET /proposals/:proposalId` → the proposal with its `content` or `patch`. */
export const getProposal = endpoint({
  face: "jobs",
  method: "GET",
  path: "/proposals/:proposalId",
  auth: JOBS_READ,
  params: proposalParams,
  handler: async ({ principal, params }) => ({ body: await readProposal(principal.teamId, params.proposalId) }),
});

/**
 * `POST /proposals/:proposalId/approve | reject` `{ note? }` (member) → the decided proposal.
 * 409 PROPOSAL_DECIDED once decided; PROPOSAL_STALE / PATCH_DOES_NOT_APPLY when it no longer applies.
 */
export const decideProposalEndpoint = endpoint({
  face: "jobs",
  method: "POST",
  path: "/proposals/:proposalId/:decision",
  auth: { accept: ["user"] },
  params: proposalParams.extend({ decision: z.string() }),
  body: z.object({ note: z.string().trim().min(1).max(2_000).optional() }).strict(),
  handler: async ({ principal, params, body, now }) => {
    const decision = params.decision;
    assert(
      (DECISIONS as readonly string[]).includes(decision),
      new NotFound("ROUTE_NOT_FOUND", `No proposal action named ${decision}; use approve or reject.`),
    );
    return {
      body: await decideProposal(
        principal.teamId,
        params.proposalId,
        decision as (typeof DECISIONS)[number],
        principal.uid,
        body.note,
        now,
      ),
    };
  },
});
