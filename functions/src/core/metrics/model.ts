import { isLaterShard, type JobDoc, type JobKind, type JobStatus } from "../jobs/model";

/** Minutes of history the Overview charts. */
export const HISTORY_MINUTES = 60;
/** Most queues a scrape reports (each costs it about eight billed reads). */
export const MAX_QUEUES = 50;
/**
 * Most jobs a scrape reads per sample (first leased, ended, queued in its window): quantiles come
 * from them; counts stay exact (count() when a sample is cut short).
 */
export const SAMPLE_LIMIT = 1000;
/**
 * How often a scrape folds ended jobs into the team's tally: the live counts scan at most about
 * this much of ended jobs (plus the lag), and the tally costs one write per team per period.
 */
export const TALLY_FOLD_EVERY_MS = 60 * 60 * 1000;
/**
 * How far behind now the tally stops: a job's `finishedAt` is taken before its commit lands, so
 * the fold leaves the last minutes to the live count lest a late commit fall between the two.
 */
export const TALLY_FOLD_LAG_MS = 10 * 60 * 1000;

/** Gauge states a job counts in; ended jobs count in none. */
export type GaugeState = "pending" | "delayed" | "leased" | "paused";
export const GAUGE_STATES: readonly GaugeState[] = ["pending", "delayed", "leased", "paused"];

/** A job as the gauges see it: its status, and for a PENDING job whether it waits for its `runAt`. */
export interface GaugedJob {
  status: JobStatus;
  pendingShard?: string | null;
}

/** The gauge a stored job counts in: a PENDING job in its queue's later shard is delayed. */
export function gaugeStateOfJob(job: GaugedJob): GaugeState | null {
  return job.status === "PENDING" && isLaterShard(job.pendingShard) ? "delayed" : gaugeStateOf(job.status);
}
export type Outcome = "succeeded" | "failed" | "cancelled";
export const OUTCOMES: readonly Outcome[] = ["succeeded", "failed", "cancelled"];

export function gaugeStateOf(status: JobStatus): GaugeState | null {
  switch (status) {
    case "PENDING":
      return "pending";
    case "LEASED":
    case "RUNNING":
      return "leased";
    case "PAUSED":
      return "paused";
    default:
      return null;
  }
}

export function outcomeOf(status: JobStatus): Outcome | null {
  switch (status) {
    case "SUCCEEDED":
      return "succeeded";
    case "FAILED":
      return "failed";
    case "CANCELLED":
      return "cancelled";
    default:
      return null;
  }
}

/** The face a kind of job is served by, as people call it. */
const FACE_OF: Record<JobKind, string> = {
  workspace: "workspace",
  execution: "coderunner",
  review: "fleet",
  generic: "jobs",
  webhook: "webhooks",
  llm: "intake",
  rpc: "rpc",
};

/** A queue as people recognise it: the face, then the tags a runner needs (`jobs[gpu,linux]`). */
export function queueLabel(job: Pick<JobDoc, "kind" | "tags">): string {
  const face = FACE_OF[job.kind];
  const tags = [...new Set(job.tags)].sort();
  return tags.length === 0 ? face : `${face}[${tags.join(",")}]`;
}

export function parseQueueLabel(label: string): { face: string; tags: string[] } {
  const open = label.indexOf("[");
  if (open < 0 || !label.endsWith("]")) return { face: label, tags: [] };
  return { face: label.slice(0, open), tags: label.slice(open + 1, -1).split(",") };
}

/** A label as a map key Firestore takes without quoting: tags may hold any character. */
export function queueKey(label: string): string {
  return `q${Buffer.from(label, "utf8").toString("hex")}`;
}

export function labelOfKey(key: string): string {
  return Buffer.from(key.slice(1), "hex").toString("utf8");
}

export function minuteOf(ms: number): number {
  return Math.floor(ms / 60_000);
}

// Histogram buckets: upper bounds growing by a fifth from 10 ms, so a quantile read from them is
// within 20% of the exact one at any scale, up to about three days.
const FIRST_BOUND_SECONDS = 0.01;
const BOUND_GROWTH = 1.2;
export const BUCKETS = 100;

export function bucketBound(index: number): number {
  return FIRST_BOUND_SECONDS * BOUND_GROWTH ** index;
}

/** The bucket a duration falls in: the first whose upper bound holds it (the last takes the rest). */
export function bucketOf(seconds: number): number {
  if (!(seconds > FIRST_BOUND_SECONDS)) return 0;
  const index = Math.ceil(Math.log(seconds / FIRST_BOUND_SECONDS) / Math.log(BOUND_GROWTH) - 1e-9);
  return Math.min(BUCKETS - 1, Math.max(0, index));
}

/**
 * The `q`-quantile of bucketed samples (`b<i>` → count), interpolated linearly inside its
 * bucket as Prometheus' histogram_quantile does; null without samples.
 */
export function quantileOf(buckets: Record<string, number>, q: number): number | null {
  const counts = new Map<number, number>();
  let total = 0;
  for (const [name, count] of Object.entries(buckets)) {
    const index = Number(name.slice(1));
    if (!Number.isInteger(index) || count <= 0) continue;
    counts.set(index, (counts.get(index) ?? 0) + count);
    total += count;
  }
  if (total === 0) return null;
  const rank = q * total;
  let seen = 0;
  for (const index of [...counts.keys()].sort((a, b) => a - b)) {
    const count = counts.get(index) ?? 0;
    if (seen + count >= rank) {
      const lower = index === 0 ? 0 : bucketBound(index - 1);
      const upper = bucketBound(index);
      return roundSeconds(lower + ((upper - lower) * (rank - seen)) / count);
    }
    seen += count;
  }
  return roundSeconds(bucketBound(Math.max(...counts.keys())));
}

function roundSeconds(seconds: number): number {
  return Math.round(seconds * 1000) / 1000;
}
