import type { CollectionReference, DocumentReference, Timestamp } from "firebase-admin/firestore";
import type { BlobRef } from "./blobs";
import { COLLECTIONS } from "./collections";
import { db } from "./firestore";

/** `workspaces/{workspaceId}`: seed 001's unit of work, one active job at a time. */
export interface WorkspaceDoc {
  /** The team that owns it. */
  teamId: string;
  /** The user who created it. */
  ownerUid: string;
  title: string;
  /** The idea the workspace started from; the runner uses it when there are no messages. */
  idea: string | null;
  /** Count of user messages (the runner context's `messageCount`). */
  messageCount: number;
  /**
   * Last message sequence number handed out (orders messages within the workspace), except the
   * active job's reply, whose number its job keeps (`result.messageSeq`; see workspaceState).
   */
  messageSeq: number;
  /**
   * The job generating now; null when idle. One at a time. Still set after that job completed
   * (a completion does not write the workspace): read it through `settledWorkspace`.
   */
  activeJobId: string | null;
  /** The most recent job, kept after it ends (idempotent completion, Studio status). */
  lastJobId: string | null;
  /** Status of the most recent job (PENDING until it ends; settled like `activeJobId`). */
  lastJobStatus: string | null;
  /** The runner's summary of older messages. */
  priorSummary: { text: string; fromMessageId: string; throughMessageId: string } | null;
  createdAt: Timestamp;
  updatedAt: Timestamp;
}

/** `workspaces/{id}/messages/{messageId}`. */
export interface MessageDoc {
  role: "user" | "assistant";
  text: string;
  subtitle: string | null;
  /** Position in the workspace (1, 2, …). */
  seq: number;
  /** Assistant replies: the job that produced it. */
  jobId: string | null;
  createdAt: Timestamp;
}

/** `workspaces/{id}/deliverables/{deliverableId}`: one chart, table, list, checklist, svg or file. */
export interface DeliverableDoc {
  messageId: string;
  kind: "chart" | "table" | "list" | "checklist" | "svg" | "file";
  /** The id placeholders use: `{{artifact:KIND:ID}}` (files: their sanitised path). */
  id: string;
  /** Order within the reply. */
  order: number;
  /** The deliverable as validated (files: without content). */
  data: Record<string, unknown>;
  /** Files: where the content lives. */
  blob: BlobRef | null;
  createdAt: Timestamp;
}

export function workspaces(): CollectionReference<WorkspaceDoc> {
  return db().collection(COLLECTIONS.workspaces) as CollectionReference<WorkspaceDoc>;
}

export function messages(workspace: DocumentReference): CollectionReference<MessageDoc> {
  return workspace.collection("messages") as CollectionReference<MessageDoc>;
}

export function deliverables(workspace: DocumentReference): CollectionReference<DeliverableDoc> {
  return workspace.collection("deliverables") as CollectionReference<DeliverableDoc>;
}

/** A user's workspaces, newest first. Index: workspaces (teamId ASC, updatedAt DESC). */
export function ownedWorkspaces(teamId: string, limit: number) {
  return workspaces().where("teamId", "==", teamId).orderBy("updatedAt", "desc").limit(limit);
}
