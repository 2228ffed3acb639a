import * as logger from "firebase-functions/logger";
import { onSchedule } from "firebase-functions/v2/scheduler";
import { fireCronDeployments as fire } from "../core/code/fireCronDeployments";

/** Every minute: each due ScheduleJob slot gets exactly one execution, however many sweeps race. */
export const fireCronDeployments = onSchedule({ schedule: "every 1 minutes", timeoutSeconds: 120 }, async () => {
  const result = await fire(new Date());
  if (result.fired + result.lostRaces > 0) logger.info("fired cron deployments", { ...result });
});
