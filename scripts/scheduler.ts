/**
 * Fires the project's scheduled functions on their schedules, standing in for Cloud Scheduler +
 * Pub/Sub, which cannot run offline. The schedules are read from the functions emulator, so a
 * new `onSchedule` export is picked up without listing it here.
 */
import { CronExpressionParser } from "cron-parser";

export interface Scheduler {
  stop(): void;
}

interface BackendsResponse {
  backends?: {
    functionTriggers?: { name?: string; entryPoint?: string; schedule?: { schedule?: string } | string }[];
  }[];
}

export async function startScheduler(
  fire: (name: string) => Promise<void>,
  log: (line: string) => void,
  options: { now?: boolean } = {},
): Promise<Scheduler> {
  const response = await fetch("http://127.0.0.1:5001/backends");
  const info = (await response.json()) as BackendsResponse;
  const jobs: { name: string; cron: string }[] = [];
  for (const backend of info.backends ?? []) {
    for (const trigger of backend.functionTriggers ?? []) {
      const schedule = typeof trigger.schedule === "string" ? trigger.schedule : trigger.schedule?.schedule;
      const name = trigger.entryPoint ?? trigger.name;
      if (schedule !== undefined && name !== undefined) jobs.push({ name, cron: toCron(schedule) });
    }
  }
  if (options.now === true) {
    // Once, now, each to its end: errors are reported, not thrown, as on a schedule.
    for (const job of jobs)
      await fire(job.name).catch((error: unknown) => log(`[scheduler] ${job.name} failed: ${String(error)}`));
    return { stop: () => undefined };
  }
  const timers = new Set<NodeJS.Timeout>();
  let stopped = false;
  const plan = (job: { name: string; cron: string }) => {
    if (stopped) return;
    const next = CronExpressionParser.parse(job.cron, { tz: "UTC" }).next().getTime();
    const timer = setTimeout(
      () => {
        timers.delete(timer);
        fire(job.name).catch((error: unknown) => log(`[scheduler] ${job.name} failed: ${String(error)}`));
        plan(job);
      },
      Math.max(0, next - Date.now()),
    );
    timers.add(timer);
  };
  for (const job of jobs) {
    log(`[scheduler] ${job.name} on "${job.cron}"`);
    plan(job);
  }
  return {
    stop() {
      stopped = true;
      for (const timer of timers) clearTimeout(timer);
    },
  };
}

/** Accepts cron, and the App Engine form firebase allows ("every 5 minutes"). */
export function toCron(schedule: string): string {
  const match = /^every (\d+) (minute|minutes|hour|hours)$/i.exec(schedule.trim());
  if (match === null) return schedule;
  const count = Number(match[1]);
  return match[2]?.startsWith("minute") === true ? `*/${count} * * * *` : `0 */${count} * * *`;
}
