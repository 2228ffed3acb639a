import * as logger from "firebase-functions/logger";
import { onSchedule } from "firebase-functions/v2/scheduler";
import { promoteDueJobs } from "../core/jobs/promoteDueJobs";
import { reapExpiredLeases as reap } from "../core/jobs/reapExpiredLeases";

/**
 * Every minute: lapsed leases go back to the queue, or fail after their attempts; and delayed
 * jobs that fell due in queues nobody is claiming from move into their queue (claims do it
 * themselves otherwise), so listings and waits see them as ready.
 */
export const reapExpiredLeases = onSchedule({ schedule: "every 1 minutes", timeoutSeconds: 120 }, async () => {
  const result = await reap(new Date());
  if (result.requeued + result.failed > 0) logger.info("reaped expired leases", { ...result });
  const promoted = await promoteDueJobs(new Date());
  if (promoted > 0) logger.info("moved due delayed jobs into their queues", { promoted });
});
