import { CronExpressionParser } from "cron-parser";

/**
 * Due slots older than this are dropped rather than fired: after an outage the schedule resumes
 * with the recent slots instead of flooding the queue (at most 10 runs of an every-minute cron).
 */
export const CATCH_UP_WINDOW_MS = 10 * 60 * 1000;

export interface SlotPlan {
  /** Slots to fire now, oldest first: after the last fired slot, not after `now`. */
  slots: Date[];
  /** Whether slots before the catch-up window were dropped. */
  skippedOlder: boolean;
  /** The first slot after `now`: the deployment's next `nextFireAt`. */
  next: Date;
}

/** The slots of `expression` (UTC) in (`after`, `now`], bounded by the catch-up window. */
export function planSlots(expression: string, after: Date, now: Date): SlotPlan {
  const windowStart = new Date(now.getTime() - CATCH_UP_WINDOW_MS);
  const from = after > windowStart ? after : windowStart;
  const cron = CronExpressionParser.parse(expression, { currentDate: from, tz: "UTC" });
  const slots: Date[] = [];
  for (;;) {
    const slot = cron.next().toDate();
    if (slot > now)
      return { slots, skippedOlder: from > after && firstSlotAfter(expression, after) <= from, next: slot };
    slots.push(slot);
  }
}

/** The first slot strictly after `at`. */
export function firstSlotAfter(expression: string, at: Date): Date {
  return CronExpressionParser.parse(expression, { currentDate: at, tz: "UTC" }).next().toDate();
}
