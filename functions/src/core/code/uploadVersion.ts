import { randomUUID } from "node:crypto";
import { Timestamp, type DocumentReference } from "firebase-admin/firestore";
import { definitions, versions, type AppDoc, type VersionDoc } from "../../data/code";
import { db } from "../../data/firestore";
import { NotFound } from "../../http/errors";
import { blobStore } from "../blobs/blobStore";
import { faultPoint } from "../faults";
import { VERSION_STATUSES } from "./model";
import { ownedDefinition } from "./owned";
import { PROCESSING_TIMEOUT_MS, processVersion } from "./processVersion";

export const BUNDLE_CONTENT_TYPE = "application/zip";

export interface Upload {
  description: string;
  bytes: Buffer;
}

/**
 * `POST /api/file/{id}/upload`: stores the bytes, records the version as Pending, then checks the
 * archive in this same request before answering (Cloud Functions may starve work done after the
 * response). Every step is a stored transition; a crash mid-way leaves a deadline the recovery
 * sweep acts on. With `appRef` (the proxy) the app's `versionId` moves in the same transaction.
 */
export async function uploadVersion(
  tenantId: string,
  userId: string,
  definitionId: string,
  upload: Upload,
  clock: () => Date,
  appRef?: DocumentReference<AppDoc>,
): Promise<{ versionId: string; version: VersionDoc }> {
  // Checked before the bytes are stored, so a wrong id costs no blob write.
  await ownedDefinition(tenantId, definitionId);
  const bundle = await blobStore().put(upload.bytes, BUNDLE_CONTENT_TYPE);
  await faultPoint("uploadVersion.afterBlob");
  const versionId = randomUUID();
  const versionRef = versions().doc(versionId);
  const definitionRef = definitions().doc(definitionId);
  const now = clock();
  await db().runTransaction(async (tx) => {
    const definition = (await tx.get(definitionRef)).data();
    if (definition === undefined || definition.tenantId !== tenantId)
      throw new NotFound("DEFINITION_NOT_FOUND", "No such definition.");
    const at = Timestamp.fromDate(now);
    const number = definition.versionCount + 1;
    const version: VersionDoc = {
      tenantId,
      definitionId,
      number,
      languageType: definition.languageType,
      description: upload.description,
      status: VERSION_STATUSES.Pending,
      failureReason: null,
      bundle,
      entryPoint: null,
      fileCount: null,
      uncompressedBytes: null,
      deploymentIds: [],
      processingToken: null,
      processingAttempts: 0,
      processingDeadline: Timestamp.fromMillis(now.getTime() + PROCESSING_TIMEOUT_MS),
      transitions: [{ status: VERSION_STATUSES.Pending, at, reason: null }],
      createdBy: userId,
      createdAt: at,
      updatedAt: at,
    };
    tx.update(definitionRef, { versionCount: number, updatedAt: at });
    tx.create(versionRef, version);
    if (appRef !== undefined) tx.update(appRef, { versionId, updatedAt: at });
  });
  await faultPoint("uploadVersion.afterRecord");
  await processVersion(versionId, "fresh", clock, upload.bytes);
  const version = (await versionRef.get()).data();
  if (version === undefined)
    throw new NotFound("VERSION_NOT_FOUND", "The version was deleted while it was being checked.");
  return { versionId, version };
}
