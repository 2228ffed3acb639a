import type { CollectionReference, DocumentReference, Query, Timestamp } from "firebase-admin/firestore";
import { COLLECTIONS } from "./collections";
import { jobs } from "./jobs";
import { teams } from "./teams";

/**
 * What the routes a runner answers keep (seed 002: intake chat, plugins, diagnostics): who is
 * online offering what, each intake session's budget, and an `llm` job's output chunks.
 */

/**
 * `teams/{teamId}/runnerPresence/{runnerId}`: a runner of the team that leased or heartbeat on
 * the jobs API lately, and what it offers. Written at most once per PRESENCE_WRITE_MS per runner
 * and instance (and whenever its offer changes), so a busy runner costs few writes.
 */
export interface RunnerPresenceDoc {
  /** The runner's own id (the lease holder's runner part). */
  runnerId: string;
  /** Routing tags of what it offers: `cap:<capability>` and `plugin:<id>` (see contract/src/capabilities.ts). */
  offers: string[];
  /** The capabilities it advertised, as sent. */
  capabilities: string[];
  /** The plugins it advertised, as sent. */
  plugins: string[];
  /** Its last lease or heartbeat that wrote this document. */
  lastSeenAt: Timestamp;
}

export function runnerPresence(teamId: string): CollectionReference<RunnerPresenceDoc> {
  return teams().doc(teamId).collection(COLLECTIONS.runnerPresence) as CollectionReference<RunnerPresenceDoc>;
}

/**
 * Runners seen since `since` that offer `offer`, newest first. Index (firestore.indexes.json):
 * runnerPresence (offers CONTAINS, lastSeenAt DESC).
 */
export function presentOffering(
  teamId: string,
  offer: string,
  since: Timestamp,
  limit: number,
): Query<RunnerPresenceDoc> {
  return runnerPresence(teamId)
    .where("offers", "array-contains", offer)
    .where("lastSeenAt", ">", since)
    .orderBy("lastSeenAt", "desc")
    .limit(limit);
}

/**
 * `teams/{teamId}/intakeSessions/{sha256(sessionId)}`: one intake chat session's budget. The id is
 * a hash so that any caller-chosen session id is a valid document id.
 */
export interface IntakeSessionDoc {
  /** Turns started in this session (a turn is counted when its job is queued). */
  turns: number;
  /** Output tokens of the session's ended turns, as their runners reported them. */
  outputTokens: number;
  /** The turn under way (its job id), null between turns. */
  currentJobId: string | null;
  createdAt: Timestamp;
  updatedAt: Timestamp;
  /** When the session's record may be deleted (TTL policy on `expireAt`). */
  expireAt: Timestamp;
}

export function intakeSessions(teamId: string): CollectionReference<IntakeSessionDoc> {
  return teams().doc(teamId).collection(COLLECTIONS.intakeSessions) as CollectionReference<IntakeSessionDoc>;
}

/** `jobs/{jobId}/tokens/{seq}`: one chunk of an `llm` job's output, in order from 0. */
export interface TokenChunkDoc {
  seq: number;
  text: string;
}

export function tokenChunks(jobId: string): CollectionReference<TokenChunkDoc> {
  return jobs().doc(jobId).collection(COLLECTIONS.tokens) as CollectionReference<TokenChunkDoc>;
}

export function tokenChunkRef(jobId: string, seq: number): DocumentReference<TokenChunkDoc> {
  return tokenChunks(jobId).doc(String(seq).padStart(8, "0"));
}

/** Chunks from `fromSeq` on, in order. Index: single-field `seq` (automatic). */
export function tokenChunksFrom(jobId: string, fromSeq: number): Query<TokenChunkDoc> {
  return tokenChunks(jobId).where("seq", ">=", fromSeq).orderBy("seq", "asc");
}
