import type { defineInt } from "firebase-functions/params";
import {
  intParam,
  MAX_KEYS,
  MAX_LOG_LINES_PER_JOB,
  MAX_OPEN_STREAMS,
  MAX_PENDING_JOBS,
  MAX_RUNNERS,
  MAX_WORKSPACES,
  WEBHOOK_DELIVERIES_PER_MINUTE,
} from "../../config/params";
import { TooManyRequests } from "../../http/errors";

/** One quota: the param that sets it, what a refusal says, and when a retry may succeed. */
export interface Quota {
  /** Names the quota in its documents' ids and in refusals' `detail.quota`. */
  name: string;
  param: ReturnType<typeof defineInt>;
  /** The param's default, used where the runtime has no params (unit tests). */
  fallback: number;
  /** The 429's reason code. */
  reason: string;
  /** What is counted, for the message: "pending jobs per team". */
  counts: string;
  /** Retry-After: how soon the count can plausibly have dropped. */
  retryAfterSeconds: number;
}

export const QUOTAS = {
  pendingJobs: {
    name: "pendingJobs",
    param: MAX_PENDING_JOBS,
    fallback: 1000,
    reason: "PENDING_JOBS_QUOTA_EXCEEDED",
    counts: "pending jobs",
    // Runners drain a queue in seconds to minutes.
    retryAfterSeconds: 30,
  },
  keys: {
    name: "keys",
    param: MAX_KEYS,
    fallback: 200,
    reason: "KEYS_QUOTA_EXCEEDED",
    counts: "active keys",
    // Only a revocation frees one.
    retryAfterSeconds: 3600,
  },
  runners: {
    name: "runners",
    param: MAX_RUNNERS,
    fallback: 1000,
    reason: "RUNNERS_QUOTA_EXCEEDED",
    counts: "registered runners",
    // Frees when one deregisters or is reaped after RUNNER_DELETE_AFTER_MS offline.
    retryAfterSeconds: 3600,
  },
  workspaces: {
    name: "workspaces",
    param: MAX_WORKSPACES,
    fallback: 1000,
    reason: "WORKSPACES_QUOTA_EXCEEDED",
    counts: "workspaces",
    retryAfterSeconds: 3600,
  },
  logLines: {
    name: "logLines",
    param: MAX_LOG_LINES_PER_JOB,
    fallback: 100_000,
    reason: "LOG_LINES_QUOTA_EXCEEDED",
    counts: "log lines",
    // A job's log never shrinks while the job lives; the runner should stop sending.
    retryAfterSeconds: 3600,
  },
  openStreams: {
    name: "openStreams",
    param: MAX_OPEN_STREAMS,
    fallback: 20,
    reason: "STREAMS_QUOTA_EXCEEDED",
    counts: "open streams",
    retryAfterSeconds: 5,
  },
  webhookDeliveries: {
    name: "webhookDeliveries",
    param: WEBHOOK_DELIVERIES_PER_MINUTE,
    fallback: 600,
    reason: "WEBHOOK_RATE_EXCEEDED",
    counts: "webhook deliveries per minute",
    retryAfterSeconds: 60,
  },
} as const satisfies Record<string, Quota>;

/** The limit in force: the scope's override when an operator set one, else the param. */
export function limitOf(quota: Quota, override?: unknown): number {
  if (typeof override === "number" && Number.isInteger(override) && override >= 0) return override;
  return intParam(quota.param, quota.fallback);
}

/** 429 naming the limit: reason per quota, `detail` {quota, param, limit, scope}. */
export class QuotaExceeded extends TooManyRequests {
  constructor(quota: Quota, limit: number, per: string, retryAfterSeconds = quota.retryAfterSeconds) {
    super(
      `Quota exceeded: at most ${limit} ${quota.counts} per ${per} (${quota.param.name}).`,
      retryAfterSeconds,
      quota.reason,
      { quota: quota.name, param: quota.param.name, limit, per },
    );
  }
}
