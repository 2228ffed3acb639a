import * as logger from "firebase-functions/logger";
import { onSchedule } from "firebase-functions/v2/scheduler";
import { BLOB_SWEEP_BATCH, BLOB_SWEEP_GRACE_MS, intParam } from "../config/params";
import { blobStore } from "../core/blobs/blobStore";
import { sweepOrphanedBlobs as sweep } from "../core/blobs/sweepOrphanedBlobs";

const DEFAULT_GRACE_MS = 24 * 60 * 60 * 1000;
const DEFAULT_BATCH = 500;

/** Every hour: the next batch of blobs is checked, and those nothing refers to any more are deleted. */
export const sweepOrphanedBlobs = onSchedule({ schedule: "every 1 hours", timeoutSeconds: 540 }, async () => {
  const result = await sweep(blobStore(), new Date(), {
    graceMs: intParam(BLOB_SWEEP_GRACE_MS, DEFAULT_GRACE_MS),
    batch: intParam(BLOB_SWEEP_BATCH, DEFAULT_BATCH),
  });
  if (result.deleted > 0) logger.info("swept orphaned blobs", { ...result });
});
