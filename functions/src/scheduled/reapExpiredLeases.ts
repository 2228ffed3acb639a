import * as logger from "firebase-functions/logger";
import { onSchedule } from "firebase-functions/v2/scheduler";
import { reapExpiredLeases as reap } from "../core/jobs/reapExpiredLeases";

/** Every minute: lapsed leases go back to the queue, or fail after their attempts. */
export const reapExpiredLeases = onSchedule({ schedule: "every 1 minutes", timeoutSeconds: 120 }, async () => {
  const result = await reap(new Date());
  if (result.requeued + result.failed > 0) logger.info("reaped expired leases", { ...result });
});
