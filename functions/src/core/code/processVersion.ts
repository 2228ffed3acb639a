import { randomBytes } from "node:crypto";
import { Timestamp, type DocumentReference } from "firebase-admin/firestore";
import * as logger from "firebase-functions/logger";
import { lapsedVersions, versions, type VersionDoc, type VersionTransition } from "../../data/code";
import { db } from "../../data/firestore";
import { blobStore } from "../blobs/blobStore";
import { inspectArchive, type ArchiveVerdict } from "./inspectArchive";
import { VERSION_STATUSES, type VersionStatus } from "./model";

/**
 * How long a check may hold a version in Pending or Processing before the recovery sweep takes
 * over. Longer than the upload function's timeout, so a live check is never taken from under it.
 */
export const PROCESSING_TIMEOUT_MS = 5 * 60 * 1000;
/** Claims after which a version that keeps crashing its check is failed for good. */
export const MAX_PROCESSING_ATTEMPTS = 3;
/** Most lapsed versions one recovery sweep re-checks; the next sweep takes the rest. */
export const RECOVERY_BATCH = 10;

/** `fresh`: the upload that just made the version; `recover`: the sweep, after the deadline lapsed. */
export type ProcessingMode = "fresh" | "recover";

function transition(status: VersionStatus, at: Timestamp, reason: string | null = null): VersionTransition {
  return { status, at, reason };
}

/**
 * Pending → Processing → Completed | Failed, each step a stored write. The claim mints a token
 * and sets a deadline; the verdict is written only while that token is still the version's, so
 * a check that was presumed dead and taken over cannot overwrite its successor's verdict.
 */
export async function processVersion(
  versionId: string,
  mode: ProcessingMode,
  clock: () => Date,
  bytes?: Buffer,
): Promise<void> {
  const ref = versions().doc(versionId);
  const claim = await claimProcessing(ref, mode, clock());
  if (claim === null) return;
  const data = bytes ?? (await blobStore().get(claim.version.bundle));
  const verdict: ArchiveVerdict =
    data === null
      ? { ok: false, reason: "The uploaded bytes are missing; upload the code again." }
      : inspectArchive(data, claim.version.languageType);
  await settle(ref, claim.token, verdict, clock());
}

async function claimProcessing(
  ref: DocumentReference<VersionDoc>,
  mode: ProcessingMode,
  now: Date,
): Promise<{ token: string; version: VersionDoc } | null> {
  return db().runTransaction(async (tx) => {
    const version = (await tx.get(ref)).data();
    if (version === undefined) return null;
    const at = Timestamp.fromDate(now);
    const unsettled = version.status === VERSION_STATUSES.Pending || version.status === VERSION_STATUSES.Processing;
    const lapsed = version.processingDeadline !== null && version.processingDeadline.toMillis() <= now.getTime();
    const claimable =
      mode === "fresh"
        ? version.status === VERSION_STATUSES.Pending && version.processingAttempts === 0
        : unsettled && lapsed;
    if (!claimable) return null;
    if (version.processingAttempts >= MAX_PROCESSING_ATTEMPTS) {
      const reason = `The archive check was interrupted ${version.processingAttempts} times; upload the code again.`;
      tx.update(ref, {
        ...failedFields(reason, at),
        transitions: [...version.transitions, transition(VERSION_STATUSES.Failed, at, reason)],
      });
      return null;
    }
    const token = randomBytes(12).toString("base64url");
    const reason = mode === "recover" ? "The previous check did not finish; checking again." : null;
    tx.update(ref, {
      status: VERSION_STATUSES.Processing,
      processingToken: token,
      processingAttempts: version.processingAttempts + 1,
      processingDeadline: Timestamp.fromMillis(now.getTime() + PROCESSING_TIMEOUT_MS),
      transitions: [...version.transitions, transition(VERSION_STATUSES.Processing, at, reason)],
      updatedAt: at,
    });
    return { token, version };
  });
}

async function settle(
  ref: DocumentReference<VersionDoc>,
  token: string,
  verdict: ArchiveVerdict,
  now: Date,
): Promise<void> {
  await db().runTransaction(async (tx) => {
    const version = (await tx.get(ref)).data();
    // Deleted meanwhile, or taken over after our deadline: the verdict is no longer ours to write.
    if (version === undefined || version.status !== VERSION_STATUSES.Processing || version.processingToken !== token)
      return;
    const at = Timestamp.fromDate(now);
    if (verdict.ok) {
      tx.update(ref, {
        status: VERSION_STATUSES.Completed,
        failureReason: null,
        entryPoint: verdict.entryPoint,
        fileCount: verdict.fileCount,
        uncompressedBytes: verdict.uncompressedBytes,
        processingToken: null,
        processingDeadline: null,
        transitions: [...version.transitions, transition(VERSION_STATUSES.Completed, at)],
        updatedAt: at,
      });
    } else {
      tx.update(ref, {
        ...failedFields(verdict.reason, at),
        transitions: [...version.transitions, transition(VERSION_STATUSES.Failed, at, verdict.reason)],
      });
    }
  });
}

function failedFields(reason: string, at: Timestamp) {
  return {
    status: VERSION_STATUSES.Failed,
    failureReason: reason,
    processingToken: null,
    processingDeadline: null,
    updatedAt: at,
  };
}

/**
 * The way forward after a crash: one bounded sweep re-checks versions whose Pending or
 * Processing deadline lapsed (the check is deterministic, so redoing it is safe). Two sweeps at
 * once are harmless: the claim is a transaction, and only one of them wins each version.
 */
export async function recoverLapsedVersions(clock: () => Date, batch = RECOVERY_BATCH): Promise<number> {
  const lapsed = await lapsedVersions(Timestamp.fromDate(clock()), batch).get();
  let recovered = 0;
  for (const snap of lapsed.docs) {
    try {
      await processVersion(snap.id, "recover", clock);
      recovered += 1;
    } catch (error) {
      // One bad version must not stall the rest; it stays lapsed and the next sweep retries it.
      logger.error("version recovery failed", {
        versionId: snap.id,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }
  return recovered;
}
