/** Retry budget and exponential backoff with jitter, shared by every call the runner makes. */

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  /** Delay before the first retry, doubled each time. */
  baseDelayMs: number;
  /** Ceiling of one delay. */
  maxDelayMs: number;
  /** No retry starts after this much time since the first attempt. */
  maxElapsedMs: number;
}

/**
 * Enough to ride out an API restart (the local stack reloads its functions in a few seconds;
 * a deploy or a Hosting hiccup takes longer) without holding a finished job's report forever.
 */
export const DEFAULT_RETRY: RetryPolicy = {
  maxAttempts: 12,
  baseDelayMs: 200,
  maxDelayMs: 8_000,
  maxElapsedMs: 90_000,
};

/**
 * "Equal jitter": half the exponential step fixed, half random. Many runners that lost the API
 * at the same moment come back spread out rather than in lockstep, and no delay is ever ~0.
 */
export function backoffDelay(attempt: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const step = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(step / 2 + random() * (step / 2));
}
