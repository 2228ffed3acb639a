import type { JobDoc } from "./model";

/** Default wait before a job's first retry (a lapsed lease, or a runner's fail with `retry`). */
export const DEFAULT_BACKOFF_MS = 10_000;
/** Default cap on the doubling wait. */
export const DEFAULT_BACKOFF_MAX_MS = 10 * 60 * 1000;

/**
 * How long a job waits before its `attempts`-th retry (1 for the first): the base doubled per
 * attempt up to the cap, then jittered into its upper half ("equal jitter"), so jobs that failed
 * together do not all come back at the same instant, and none comes back sooner than half the
 * step. `random` is injectable so tests can pin the jitter.
 */
export function backoffDelayMs(
  attempts: number,
  policy: { baseMs: number; maxMs: number },
  random: () => number = Math.random,
): number {
  const step = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempts - 1));
  return Math.round(step / 2 + random() * (step / 2));
}

/** The job's own override, else the defaults (which the deployment may change). */
export function backoffPolicyOf(
  job: Pick<JobDoc, "backoff">,
  defaults: { baseMs: number; maxMs: number },
): { baseMs: number; maxMs: number } {
  return job.backoff ?? defaults;
}
