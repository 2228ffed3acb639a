/**
 * Seed 002's team knowledge: intelligence files (with their version history), proposals to
 * change them, the team's runner configuration (versioned), and the insights runners record on
 * jobs. Everything lives under the team (or the job, which carries its team), so a team's data
 * is one subtree.
 */
import { createHash } from "node:crypto";
import type { CollectionReference, DocumentReference, Query, Timestamp } from "firebase-admin/firestore";
import type { InsightStatus, ProposalStatus } from "../../../contract/src/intelligence";
import { COLLECTIONS } from "./collections";
import { db } from "./firestore";
import { teams } from "./teams";

/** `teams/{teamId}/intelligenceFiles/{fileKey}`: the current state of one file of one layer. */
export interface IntelligenceFileDoc {
  /** `tenant` or `repo:<slug>`. */
  layer: string;
  /** Relative path inside the layer (contract/src/intelligence.ts `pathProblem`). */
  path: string;
  /** The markdown as last written; "" once deleted. */
  content: string;
  /** 1 for the first write, +1 for every write or delete since; a deleted file keeps counting. */
  version: number;
  /** True after a DELETE: the history stays, the file is gone from reads and listings. */
  deleted: boolean;
  /** Hex SHA-256 of `content` (UTF-8). */
  sha256: string;
  /** UTF-8 bytes of `content`. */
  size: number;
  /** Who made the current version: a uid, or `proposal:<id>` applied by a uid (see versions). */
  updatedBy: string;
  updatedAt: Timestamp;
}

/** `…/intelligenceFiles/{fileKey}/fileVersions/{version, zero-padded}`: one write or delete, kept forever. */
export interface IntelligenceVersionDoc {
  version: number;
  /** `put` wrote `content`; `delete` removed the file. */
  op: "put" | "delete";
  /** The file's content at this version ("" for a delete). */
  content: string;
  sha256: string;
  size: number;
  /** The uid whose call made it (for an approved proposal, the approver). */
  by: string;
  /** The proposal this version applied, or null for a direct edit. */
  proposalId: string | null;
  at: Timestamp;
}

/** `teams/{teamId}/proposals/{proposalId}`: a runner's proposed change to an intelligence file. */
export interface ProposalDoc {
  /** What it changes; intelligence files only for now. */
  kind: "intelligence";
  teamId: string;
  layer: string;
  path: string;
  /** The whole new `content`, or a unified diff `patch` against the file when approved. */
  change: "content" | "patch";
  content: string | null;
  patch: string | null;
  /** The file version the runner read; full content applies only while the file is still there. */
  baseVersion: number | null;
  /** Why, in the runner's words. */
  rationale: string;
  /** The job the runner held when it proposed this. */
  sourceJobId: string;
  /** The runner (its own id) and the key it used: `<runnerId> (apiKey:<credentialId>)`. */
  proposedBy: string;
  status: ProposalStatus;
  createdAt: Timestamp;
  /** The uid who approved or rejected it, and when; null while pending. */
  decidedBy: string | null;
  decidedAt: Timestamp | null;
  /** The decider's note, if any. */
  note: string | null;
  /** The file version the approval wrote. */
  appliedVersion: number | null;
}

/** `teams/{teamId}/config/runner`: the team's runner configuration. */
export interface RunnerConfigDoc {
  /** The validated configuration (contract `runnerConfigSchema`). */
  config: Record<string, unknown>;
  /** 1 for the first save, +1 for each save that changes it. */
  version: number;
  /** Hex SHA-256 of the canonical JSON of `config`, so a save that changes nothing is not a version. */
  sha256: string;
  updatedBy: string;
  updatedAt: Timestamp;
}

/** `teams/{teamId}/config/runner/configVersions/{version, zero-padded}`: every saved configuration. */
export interface RunnerConfigVersionDoc {
  version: number;
  config: Record<string, unknown>;
  by: string;
  at: Timestamp;
}

/** `jobs/{jobId}/insights/{insightId}`: something a runner learned while running the job. */
export interface InsightDoc {
  /** The job's team again, for a future collection-group listing. */
  teamId: string;
  jobId: string;
  /** The workflow phase it came from (the runner's own names). */
  phase: string;
  category: string;
  summary: string;
  detail: string;
  suggestion: string | null;
  /** `pending` until a member approves or rejects it (and may change their mind). */
  status: InsightStatus;
  /** `<runnerId> (apiKey:<credentialId>)` of the runner that posted it. */
  createdBy: string;
  createdAt: Timestamp;
  /** The last person to edit it, and when; null while as posted. */
  editedBy: string | null;
  editedAt: Timestamp | null;
  /** Who approved or rejected it last, and when. */
  decidedBy: string | null;
  decidedAt: Timestamp | null;
}

const VERSION_ID_WIDTH = 12;
export const versionId = (version: number) => String(version).padStart(VERSION_ID_WIDTH, "0");

/** A file's document id: layer and path hashed, so any valid path maps to a valid, fixed id. */
export function fileKey(layer: string, path: string): string {
  return createHash("sha256").update(`${layer}\n${path}`).digest("hex").slice(0, 40);
}

const team = (teamId: string) => teams().doc(teamId);

export function intelligenceFiles(teamId: string): CollectionReference<IntelligenceFileDoc> {
  return team(teamId).collection("intelligenceFiles") as CollectionReference<IntelligenceFileDoc>;
}

export function intelligenceFileRef(
  teamId: string,
  layer: string,
  path: string,
): DocumentReference<IntelligenceFileDoc> {
  return intelligenceFiles(teamId).doc(fileKey(layer, path));
}

export function intelligenceVersions(
  file: DocumentReference<IntelligenceFileDoc>,
): CollectionReference<IntelligenceVersionDoc> {
  return file.collection("fileVersions") as CollectionReference<IntelligenceVersionDoc>;
}

/** The team's live files. Index: single-field `deleted` (automatic); sorted in memory. */
export function liveIntelligenceFiles(teamId: string, limit: number): Query<IntelligenceFileDoc> {
  return intelligenceFiles(teamId).where("deleted", "==", false).limit(limit);
}

/** A file's history, newest first. Index: single-field `version` (automatic). */
export function versionHistory(
  file: DocumentReference<IntelligenceFileDoc>,
  limit: number,
): Query<IntelligenceVersionDoc> {
  return intelligenceVersions(file).orderBy("version", "desc").limit(limit);
}

export function proposals(teamId: string): CollectionReference<ProposalDoc> {
  return team(teamId).collection("proposals") as CollectionReference<ProposalDoc>;
}

/**
 * Proposals newest first, optionally of one status.
 * Index: proposals (status ASC, createdAt DESC) in firestore.indexes.json; createdAt alone is automatic.
 */
export function proposalsByStatus(
  teamId: string,
  status: ProposalStatus | undefined,
  limit: number,
): Query<ProposalDoc> {
  const all = proposals(teamId);
  return (status === undefined ? all : all.where("status", "==", status)).orderBy("createdAt", "desc").limit(limit);
}

export function runnerConfigRef(teamId: string): DocumentReference<RunnerConfigDoc> {
  return team(teamId).collection("config").doc("runner") as DocumentReference<RunnerConfigDoc>;
}

export function runnerConfigVersions(teamId: string): CollectionReference<RunnerConfigVersionDoc> {
  return runnerConfigRef(teamId).collection("configVersions") as CollectionReference<RunnerConfigVersionDoc>;
}

export function insights(jobId: string): CollectionReference<InsightDoc> {
  return db().collection(COLLECTIONS.jobs).doc(jobId).collection("insights") as CollectionReference<InsightDoc>;
}

/** A job's insights in the order they were posted. Index: single-field `createdAt` (automatic). */
export function insightsInOrder(jobId: string, limit: number): Query<InsightDoc> {
  return insights(jobId).orderBy("createdAt", "asc").limit(limit);
}
