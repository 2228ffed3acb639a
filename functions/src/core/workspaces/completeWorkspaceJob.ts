import { createHash } from "node:crypto";
import { FieldValue, Timestamp } from "firebase-admin/firestore";
import type { RunnerPrincipal } from "../../auth/authenticate";
import { db } from "../../data/firestore";
import { jobs } from "../../data/jobs";
import { deliverables, messages, workspaces, type DeliverableDoc } from "../../data/workspaces";
import { ApiError, Conflict, InvalidArgument } from "../../http/errors";
import { blobStore, type BlobRef } from "../blobs/blobStore";
import { prepareJobEnd } from "../jobs/jobEndHooks";
import { assertHolds, endedBy, repeatsOwnEnd } from "../jobs/leaseGuard";
import { finalFields } from "../jobs/model";
import { faultPoint } from "../faults";
import { validateDeliverables, type Deliverables, type SliceName } from "./deliverables";

export interface CompletionInput extends Record<SliceName, unknown> {
  workspaceId: string;
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
 * Ends the job and stores the reply with its deliverables, all in one transaction. File bytes go
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
  const hash = createHash("sha256")
    .update(JSON.stringify([input.assistantMessage, checked.value]))
    .digest("hex");
  const wsRef = workspaces().doc(input.workspaceId);
  const ws = (await wsRef.get()).data();
  const jobId = ws?.activeJobId ?? ws?.lastJobId;
  if (ws === undefined || jobId === null || jobId === undefined)
    throw new Conflict("LEASE_NOT_HELD", "You hold no active lease on this workspace.");
  const jobRef = jobs().doc(jobId);

  // Cheap pre-check so a caller without the lease doesn't get to upload file bytes.
  const before = (await jobRef.get()).data();
  if (repeatsOwnEnd(before, { holder: runner.instanceId, hash }, "ALREADY_COMPLETED"))
    return { messageId: before?.result?.messageId as string, duplicate: true };
  assertHolds(before, runner.instanceId, now);
  const fileBlobs = await Promise.all(
    checked.value.files.map((f) => blobStore().put(Buffer.from(f.content, "utf8"), contentTypeOf(f.name))),
  );
  await faultPoint("completeWorkspaceJob.afterBlobs");

  const messageRef = messages(wsRef).doc();
  return db().runTransaction(async (tx) => {
    const job = (await tx.get(jobRef)).data();
    if (repeatsOwnEnd(job, { holder: runner.instanceId, hash }, "ALREADY_COMPLETED"))
      return { messageId: job?.result?.messageId as string, duplicate: true };
    assertHolds(job, runner.instanceId, now);
    if (job.workspaceId !== input.workspaceId)
      throw new ApiError(409, "LEASE_NOT_HELD", "That job is not this workspace's.");
    const wsNow = (await tx.get(wsRef)).data();
    const endWrites = await prepareJobEnd(tx, jobRef.id, job);
    const at = Timestamp.fromDate(now);
    const seq = (wsNow?.messageSeq ?? 0) + 1;
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
    tx.update(wsRef, { messageSeq: FieldValue.increment(1), updatedAt: at });
    tx.update(jobRef, {
      ...finalFields("SUCCEEDED", at),
      result: { messageId: messageRef.id },
      ...endedBy(job, runner.instanceId, hash),
    });
    endWrites("SUCCEEDED");
    return { messageId: messageRef.id, duplicate: false };
  });
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
