import { CronExpressionParser } from "cron-parser";
import { MAX_CRON_CHARS } from "../../../../contract/src/coderunner";

export { MAX_CRON_CHARS };

/** Resource bounds a deployment may ask for: sane for one function run on a self-hosted runner. */
export const CPU_MIN_MILLIS = 50;
export const CPU_MAX_MILLIS = 4_000;
export const MEMORY_MIN_MIB = 64;
export const MEMORY_MAX_MIB = 8 * 1024;
/** What a deployment gets when `Configuration` leaves them out. */
export const DEFAULT_CPU = "250m";
export const DEFAULT_MEMORY = "256Mi";

/** Kubernetes-style quantities: `250m` (millicores) or `1`, `0.5` (cores). */
const CPU_PATTERN = /^(?:(\d{1,5})m|(\d{1,2})(?:\.(\d{1,3}))?)$/;
/** `256Mi` or `1Gi`. */
const MEMORY_PATTERN = /^(\d{1,5})(Mi|Gi)$/;
const MIB_PER_GIB = 1024;

/** Millicores, or null when `value` is not a CPU quantity within bounds. */
export function parseCpu(value: string): number | null {
  const match = CPU_PATTERN.exec(value);
  if (match === null) return null;
  const [, millis, cores, fraction] = match;
  const total = millis !== undefined ? Number(millis) : Number(cores) * 1000 + Number((fraction ?? "").padEnd(3, "0"));
  return total >= CPU_MIN_MILLIS && total <= CPU_MAX_MILLIS ? total : null;
}

/** MiB, or null when `value` is not a memory quantity within bounds. */
export function parseMemory(value: string): number | null {
  const match = MEMORY_PATTERN.exec(value);
  if (match === null) return null;
  const [, amount, unit] = match;
  const mib = Number(amount) * (unit === "Gi" ? MIB_PER_GIB : 1);
  return mib >= MEMORY_MIN_MIB && mib <= MEMORY_MAX_MIB ? mib : null;
}

export type CronVerdict = { ok: true; expression: string } | { ok: false; reason: string };

/**
 * Five fields, UTC, and at least one future slot. Six-field (seconds) expressions are refused:
 * the scheduler ticks once a minute and could not honour them.
 */
export function checkCron(raw: string, now: Date): CronVerdict {
  const expression = raw.trim().replace(/\s+/g, " ");
  if (expression.length === 0 || expression.length > MAX_CRON_CHARS)
    return { ok: false, reason: `CronExpression must be 1 to ${MAX_CRON_CHARS} characters.` };
  if (expression.split(" ").length !== 5) {
    return {
      ok: false,
      reason: "CronExpression must have five fields: minute hour day-of-month month day-of-week (UTC).",
    };
  }
  try {
    CronExpressionParser.parse(expression, { currentDate: now, tz: "UTC" }).next();
  } catch (error) {
    return {
      ok: false,
      reason: `CronExpression is not valid: ${error instanceof Error ? error.message : String(error)}.`,
    };
  }
  return { ok: true, expression };
}
