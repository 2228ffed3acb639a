import type { DocumentSnapshot } from "firebase-admin/firestore";
import { jobs } from "../../data/jobs";
import { deliverables, messages, ownedWorkspaces, type WorkspaceDoc } from "../../data/workspaces";
import type { JobDoc } from "../jobs/model";
import { ownedWorkspace } from "./ownedWorkspace";
import { settle, settleAll, settledWorkspace } from "./workspaceState";

/** Most messages and deliverables the Studio view loads. */
export const MAX_VIEW_MESSAGES = 200;
export const MAX_VIEW_DELIVERABLES = 1_000;
export const MAX_LISTED_WORKSPACES = 100;

/** `ws` settled with its job (see workspaceState). */
export function workspaceSummary(id: string, ws: WorkspaceDoc) {
  return {
    id,
    title: ws.title,
    idea: ws.idea,
    messageCount: ws.messageCount,
    activeJobId: ws.activeJobId,
    lastJobId: ws.lastJobId,
    lastJobStatus: ws.lastJobStatus,
    createdAt: ws.createdAt.toDate().toISOString(),
    updatedAt: ws.updatedAt.toDate().toISOString(),
  };
}

export function jobSummary(snap: DocumentSnapshot<JobDoc>) {
  const job = snap.data();
  if (job === undefined) return null;
  return {
    id: snap.id,
    status: job.status,
    target: job.queue.endsWith("/global") ? "global" : "user",
    attempts: job.attempts,
    leaseHolder: job.lease?.holder ?? null,
    leaseExpiresAt: job.lease?.expiresAt.toMillis() ?? null,
    error: job.error,
    createdAt: job.createdAt.toDate().toISOString(),
    startedAt: job.startedAt?.toDate().toISOString() ?? null,
    finishedAt: job.finishedAt?.toDate().toISOString() ?? null,
  };
}

/** The workspace with its messages (user and assistant), deliverables and latest job. */
export async function readWorkspace(teamId: string, workspaceId: string) {
  const { snap, doc: stored } = await ownedWorkspace(teamId, workspaceId);
  const [messageSnap, deliverableSnap, jobSnap] = await Promise.all([
    messages(snap.ref).orderBy("seq", "desc").limit(MAX_VIEW_MESSAGES).get(),
    deliverables(snap.ref).orderBy("createdAt", "desc").limit(MAX_VIEW_DELIVERABLES).get(),
    stored.lastJobId !== null ? jobs().doc(stored.lastJobId).get() : Promise.resolve(null),
  ]);
  // The active job, when there is one, is the last one (read above).
  const doc =
    stored.activeJobId !== null && stored.activeJobId === jobSnap?.id
      ? settledWorkspace(stored, jobSnap.data())
      : await settle(stored);
  const byMessage = new Map<string, Record<string, unknown>[]>();
  for (const d of deliverableSnap.docs) {
    const item = d.data();
    const list = byMessage.get(item.messageId) ?? [];
    list.push({ deliverableId: d.id, kind: item.kind, id: item.id, order: item.order, data: item.data });
    byMessage.set(item.messageId, list);
  }
  return {
    workspace: workspaceSummary(snap.id, doc),
    messages: messageSnap.docs.reverse().map((m) => {
      const message = m.data();
      return {
        id: m.id,
        role: message.role,
        text: message.text,
        subtitle: message.subtitle,
        seq: message.seq,
        jobId: message.jobId,
        createdAt: message.createdAt.toDate().toISOString(),
        deliverables: (byMessage.get(m.id) ?? []).sort((a, b) => Number(a.order) - Number(b.order)),
      };
    }),
    job: jobSnap === null ? null : jobSummary(jobSnap),
  };
}

export async function listWorkspaces(teamId: string) {
  const snap = await ownedWorkspaces(teamId, MAX_LISTED_WORKSPACES).get();
  const settled = await settleAll(snap.docs.map((d) => d.data()));
  return snap.docs.map((d, i) => workspaceSummary(d.id, settled[i] ?? d.data()));
}

/** A deliverable file's bytes, for download. */
export async function readDeliverableFile(teamId: string, workspaceId: string, deliverableId: string) {
  const { snap } = await ownedWorkspace(teamId, workspaceId);
  const d = (await deliverables(snap.ref).doc(deliverableId).get()).data();
  return d?.kind === "file" && d.blob !== null ? { name: String(d.data.name), blob: d.blob } : null;
}
