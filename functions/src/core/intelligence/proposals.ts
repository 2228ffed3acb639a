/**
 * Proposals: a runner, while it holds a job, proposes a change to one intelligence file; a
 * member approves it (the change is applied as the file's next version, in the same transaction
 * that marks the proposal approved, so two concurrent approvals apply it once) or rejects it.
 */
import { Timestamp } from "firebase-admin/firestore";
import { MAX_INTELLIGENCE_FILE_BYTES, utf8Bytes, type ProposalStatus } from "../../../../contract/src/intelligence";
import { db } from "../../data/firestore";
import { intelligenceFileRef, proposals, proposalsByStatus, type ProposalDoc } from "../../data/intelligence";
import { ApiError, assert, Conflict, InvalidArgument, NotFound } from "../../http/errors";
import { holdInTransaction, type JobsRunner } from "../jobsApi/heldJob";
import { applyPatch, parsePatch, PatchError } from "./applyPatch";
import { commitWrite, visibleVersion } from "./files";

/** Most proposals one list answers. */
export const MAX_LISTED_PROPOSALS = 200;

export interface ProposedChange {
  layer: string;
  path: string;
  content?: string;
  patch?: string;
  baseVersion?: number;
  rationale: string;
}

const iso = (at: Timestamp | null) => (at === null ? null : at.toDate().toISOString());

/** A proposal as answered; `full` adds the content or patch itself (a list leaves them out). */
export function proposalView(id: string, p: ProposalDoc, full: boolean) {
  return {
    proposalId: id,
    kind: p.kind,
    layer: p.layer,
    path: p.path,
    change: p.change,
    baseVersion: p.baseVersion,
    rationale: p.rationale,
    sourceJobId: p.sourceJobId,
    proposedBy: p.proposedBy,
    status: p.status,
    createdAt: iso(p.createdAt) ?? "",
    decidedBy: p.decidedBy,
    decidedAt: iso(p.decidedAt),
    note: p.note,
    appliedVersion: p.appliedVersion,
    ...(full ? { content: p.content, patch: p.patch } : {}),
  };
}

/** `POST /jobs/:jobId/runner/proposals`: recorded while the runner holds the job (409 otherwise). */
export async function createProposal(
  runner: JobsRunner,
  proposedBy: string,
  jobId: string,
  token: string,
  change: ProposedChange,
  now: Date,
) {
  if (change.patch !== undefined) {
    try {
      parsePatch(change.patch);
    } catch (error) {
      if (!(error instanceof PatchError)) throw error;
      throw new InvalidArgument("INVALID_PATCH", `The patch is not a unified diff: ${error.message}.`);
    }
  }
  const ref = proposals(runner.teamId).doc();
  const doc: ProposalDoc = {
    kind: "intelligence",
    teamId: runner.teamId,
    layer: change.layer,
    path: change.path,
    change: change.patch === undefined ? "content" : "patch",
    content: change.content ?? null,
    patch: change.patch ?? null,
    baseVersion: change.baseVersion ?? null,
    rationale: change.rationale,
    sourceJobId: jobId,
    proposedBy,
    status: "pending",
    createdAt: Timestamp.fromDate(now),
    decidedBy: null,
    decidedAt: null,
    note: null,
    appliedVersion: null,
  };
  await db().runTransaction(async (tx) => {
    await holdInTransaction(tx, runner, jobId, token, now);
    tx.create(ref, doc);
  });
  return proposalView(ref.id, doc, false);
}

/** `GET /proposals?status=`: newest first. */
export async function listProposals(teamId: string, status: ProposalStatus | undefined, limit: number) {
  const snap = await proposalsByStatus(teamId, status, Math.min(limit, MAX_LISTED_PROPOSALS)).get();
  return { proposals: snap.docs.map((d) => proposalView(d.id, d.data(), false)) };
}

export async function readProposal(teamId: string, proposalId: string) {
  const doc = (await proposals(teamId).doc(proposalId).get()).data();
  assert(doc !== undefined, new NotFound("PROPOSAL_NOT_FOUND", "No such proposal."));
  return proposalView(proposalId, doc, true);
}

/** The file content an approval writes, or a 409 saying why the proposal no longer applies. */
function proposedContent(p: ProposalDoc, current: { version: number; content: string }): string {
  if (p.change === "content") {
    assert(
      p.baseVersion === null || p.baseVersion === current.version,
      new Conflict(
        "PROPOSAL_STALE",
        `The proposal was made against version ${p.baseVersion ?? 0}; the file is at ${current.version}. Reject it, or edit the file directly.`,
        { baseVersion: p.baseVersion, currentVersion: current.version },
      ),
    );
    return p.content ?? "";
  }
  try {
    return applyPatch(current.content, p.patch ?? "");
  } catch (error) {
    if (!(error instanceof PatchError)) throw error;
    throw new Conflict("PATCH_DOES_NOT_APPLY", `The patch no longer applies to the file: ${error.message}.`, {
      hunk: error.hunk,
      currentVersion: current.version,
    });
  }
}

/**
 * `POST /proposals/:proposalId/approve | reject`. Approving writes the change as the file's next
 * version (history names the proposal and the approver). A decided proposal is 409
 * PROPOSAL_DECIDED; one that no longer applies stays pending (409 PROPOSAL_STALE or
 * PATCH_DOES_NOT_APPLY).
 */
export async function decideProposal(
  teamId: string,
  proposalId: string,
  decision: "approve" | "reject",
  by: string,
  note: string | undefined,
  now: Date,
) {
  const ref = proposals(teamId).doc(proposalId);
  return db().runTransaction(async (tx) => {
    const proposal = (await tx.get(ref)).data();
    assert(proposal !== undefined, new NotFound("PROPOSAL_NOT_FOUND", "No such proposal."));
    assert(
      proposal.status === "pending",
      new Conflict("PROPOSAL_DECIDED", `The proposal was already ${proposal.status}.`, {
        status: proposal.status,
        decidedBy: proposal.decidedBy,
      }),
    );
    const decided: Partial<ProposalDoc> = {
      status: decision === "approve" ? "approved" : "rejected",
      decidedBy: by,
      decidedAt: Timestamp.fromDate(now),
      note: note ?? null,
    };
    if (decision === "approve") {
      const fileRef = intelligenceFileRef(teamId, proposal.layer, proposal.path);
      const current = (await tx.get(fileRef)).data();
      const version = visibleVersion(current);
      const content = proposedContent(proposal, { version, content: version === 0 ? "" : (current?.content ?? "") });
      const size = utf8Bytes(content);
      assert(
        size <= MAX_INTELLIGENCE_FILE_BYTES,
        new ApiError(
          409,
          "FILE_TOO_LARGE",
          `Applied, the file would hold ${size} bytes; at most ${MAX_INTELLIGENCE_FILE_BYTES}.`,
        ),
      );
      const written = commitWrite(tx, fileRef, proposal, current, content, by, proposalId, now);
      decided.appliedVersion = written.version;
    }
    tx.update(ref, decided);
    return proposalView(proposalId, { ...proposal, ...decided }, false);
  });
}
