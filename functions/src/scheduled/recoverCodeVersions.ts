import * as logger from "firebase-functions/logger";
import { onSchedule } from "firebase-functions/v2/scheduler";
import { recoverLapsedVersions } from "../core/code/processVersion";

/** Every minute: versions whose archive check crashed past its deadline are checked again. */
export const recoverCodeVersions = onSchedule(
  { schedule: "every 1 minutes", timeoutSeconds: 300, memory: "512MiB" },
  async () => {
    const recovered = await recoverLapsedVersions(() => new Date());
    if (recovered > 0) logger.info("recovered code versions", { recovered });
  },
);
