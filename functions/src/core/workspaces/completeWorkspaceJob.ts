import { Timestamp } from "firebase-admin/firestore";
import type { RunnerPrincipal } from "../../auth/authenticate";
import { db } from "../../data/firestore";
import { deliverables, messages, workspaces, type DeliverableDoc } from "../../data/workspaces";
import { InvalidArgument } from "../../http/errors";
import { blobStore, type BlobRef } from "../blobs/blobStore";
import { endingHash, endJob } from "../jobs/endJob";
import { assertHolds, repeatsOwnEnd } from "../jobs/leaseGuard";
import type { JobDoc } from "../jobs/model";
import { faultPoint } from "../faults";
import { assertJobOfWorkspace, endingJobRef } from "./heldWorkspaceJob";
import { ENDED_DIFFERENTLY } from "./failWorkspaceJob";
import { validateDeliverables, type Deliverables, type SliceName } from "./deliverables";

export interface CompletionInput extends Record<SliceName, unknown> {
  workspaceId: string;
  /** The job the runner means (from its lease answer); absent: the workspace's active or last job. */
  jobId?: string;
  assistantMessage: string;
}

const KIND_OF_SLICE: Record<SliceName, DeliverableDoc["kind"]> = {
  files: "file",
  charts: "chart",
  datasets: "table",
  lists: "list",
  checklists: "checklist",
  svgs: "svg",
};

/**
 * Ends the job and stores the reply with its deliverables, all in one transaction; the workspace
 * itself is not written (readers settle it with the job: see workspaceState). File bytes go
 * to the blob store first: content-addressed, so a failed commit leaves an orphan, not a lie.
 * An identical completion repeated by the holder answers ok and writes nothing.
 */
export async function completeWorkspaceJob(
  runner: RunnerPrincipal,
  input: CompletionInput,
  now: Date,
): Promise<{ messageId: string; duplicate: boolean }> {
  const checked = validateDeliverables(input);
  if (!checked.ok) {
    throw new InvalidArgument("INVALID_DELIVERABLE", `${checked.slice}: ${checked.reason}`, {
      slice: checked.slice,
      issues: checked.issues,
    });
  }
  const hash = endingHash(["complete", input.assistantMessage, checked.value]);
  const wsRef = workspaces().doc(input.workspaceId);
  const jobRef = await endingJobRef(input.workspaceId, input.jobId);

  // Cheap pre-check so a caller without the lease doesn't get to upload file bytes.
  const before = (await jobRef.get()).data();
  assertJobOfWorkspace(before, input.workspaceId);
  if (repeatsOwnEnd(before, { holder: runner.instanceId, hash }, ENDED_DIFFERENTLY))
    return { messageId: messageIdOf(before), duplicate: true };
  assertHolds(before, runner.instanceId, now);
  const fileBlobs = await Promise.all(
    checked.value.files.map((f) => blobStore().put(Buffer.from(f.content, "utf8"), contentTypeOf(f.name))),
  );
  await faultPoint("completeWorkspaceJob.afterBlobs");

  const messageRef = messages(wsRef).doc();
  return db().runTransaction(async (tx) => {
    const job = (await tx.get(jobRef)).data();
    assertJobOfWorkspace(job, input.workspaceId);
    // Read so that a message posted meanwhile (it writes the workspace) makes this one go again.
    const wsNow = (await tx.get(wsRef)).data();
    const at = Timestamp.fromDate(now);
    const seq = (wsNow?.messageSeq ?? 0) + 1;
    const ended = await endJob(tx, jobRef, job, {
      holder: runner.instanceId,
      status: "SUCCEEDED",
      hash,
      conflictCode: ENDED_DIFFERENTLY,
      now,
      // The reply's seq is kept in the job, not bumped on the workspace (see workspaceState).
      fields: () => ({ result: { messageId: messageRef.id, messageSeq: seq } }),
    });
    if (ended.duplicate) return { messageId: messageIdOf(ended.job), duplicate: true };
    tx.create(messageRef, {
      role: "assistant",
      text: input.assistantMessage,
      subtitle: null,
      seq,
      jobId: jobRef.id,
      createdAt: at,
    });
    for (const doc of deliverableDocs(messageRef.id, checked.value, fileBlobs, at))
      tx.create(deliverables(wsRef).doc(), doc);
    return { messageId: messageRef.id, duplicate: false };
  });
}

function messageIdOf(job: JobDoc | undefined): string {
  return (job?.result?.messageId as string | undefined) ?? "";
}

function contentTypeOf(name: string): string {
  return name.endsWith(".md") ? "text/markdown; charset=utf-8" : "text/plain; charset=utf-8";
}

function deliverableDocs(
  messageId: string,
  value: Deliverables,
  fileBlobs: BlobRef[],
  at: Timestamp,
): DeliverableDoc[] {
  const docs: DeliverableDoc[] = [];
  let order = 0;
  for (const slice of Object.keys(KIND_OF_SLICE) as SliceName[]) {
    value[slice].forEach((item, index) => {
      const kind = KIND_OF_SLICE[slice];
      if (slice === "files") {
        const file = item as Deliverables["files"][number];
        docs.push({
          messageId,
          kind,
          id: file.name,
          order: order++,
          data: { name: file.name, size: Buffer.byteLength(file.content, "utf8") },
          blob: fileBlobs[index] ?? null,
          createdAt: at,
        });
      } else {
        const withId = item as { id: string } & Record<string, unknown>;
        docs.push({ messageId, kind, id: withId.id, order: order++, data: withId, blob: null, createdAt: at });
      }
    });
  }
  return docs;
}
