import * as logger from "firebase-functions/logger";
import { onSchedule } from "firebase-functions/v2/scheduler";
import { intParam, RUNNER_DELETE_AFTER_MS, RUNNER_OFFLINE_AFTER_MS } from "../config/params";
import { DEFAULT_RUNNER_DELETE_AFTER_MS, DEFAULT_RUNNER_OFFLINE_AFTER_MS } from "../core/runners/limits";
import { reapStaleRunners as reap } from "../core/runners/reapStaleRunners";

/** Every minute: silent runners go offline and give their tasks back; long-offline ones are deleted. */
export const reapStaleRunners = onSchedule({ schedule: "every 1 minutes", timeoutSeconds: 120 }, async () => {
  const result = await reap(new Date(), {
    offlineAfterMs: intParam(RUNNER_OFFLINE_AFTER_MS, DEFAULT_RUNNER_OFFLINE_AFTER_MS),
    deleteAfterMs: intParam(RUNNER_DELETE_AFTER_MS, DEFAULT_RUNNER_DELETE_AFTER_MS),
  });
  if (result.markedOffline + result.deleted > 0) logger.info("reaped stale runners", { ...result });
});
