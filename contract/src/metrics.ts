import { z } from "zod";

/** `GET /api/metrics`: the window quantiles are computed over. */
export const METRICS_WINDOW_SECONDS = 15 * 60;
/** Quantiles of wait and run time the answer carries. */
export const METRICS_QUANTILES = [0.5, 0.9, 0.99] as const;

/** Jobs in a queue by state; `delayed` is always 0 today (a requeued job is pending at once). */
const jobGauge = z.object({
  pending: z.number().int().nonnegative(),
  delayed: z.number().int().nonnegative(),
  leased: z.number().int().nonnegative(),
  paused: z.number().int().nonnegative(),
});

/** Durations seen in the window: how many, and p50/p90/p99 in seconds (null with no samples). */
const durations = z.object({
  count: z.number().int().nonnegative(),
  p50: z.number().nonnegative().nullable(),
  p90: z.number().nonnegative().nullable(),
  p99: z.number().nonnegative().nullable(),
});

export const metricsQueueSchema = z.object({
  /** The label people recognise: the face, then the tag set in brackets (`jobs[gpu,linux]`). */
  queue: z.string(),
  face: z.string(),
  tags: z.array(z.string()),
  jobs: jobGauge,
  /** Jobs ended since metrics began, by outcome (counters). */
  finished: z.object({
    succeeded: z.number().int().nonnegative(),
    failed: z.number().int().nonnegative(),
    cancelled: z.number().int().nonnegative(),
  }),
  /** Leases the reaper found lapsed (counter). */
  leaseExpirations: z.number().int().nonnegative(),
  /** Queued → first leased, over the last `windowSeconds`. */
  waitSeconds: durations,
  /** Leased → ended, over the last `windowSeconds`. */
  runSeconds: durations,
});

/** One minute of the last hour: depth at the minute's end, and what the minute saw. */
export const metricsMinuteSchema = z.object({
  /** Start of the minute, ISO 8601. */
  at: z.string(),
  queue: z.string(),
  /** Pending jobs at the end of the minute. */
  pending: z.number().int().nonnegative(),
  /** Leased jobs at the end of the minute. */
  leased: z.number().int().nonnegative(),
  /** p90 wait of the jobs first leased in that minute (null: none). */
  waitP90: z.number().nonnegative().nullable(),
  /** Jobs that failed in that minute. */
  failed: z.number().int().nonnegative(),
});

export const metricsAnswerSchema = z.object({
  /** When the scrape was taken, ISO 8601. */
  at: z.string(),
  windowSeconds: z.number().int().positive(),
  queues: z.array(metricsQueueSchema),
  /** Registered runners by face and state. */
  runners: z.array(
    z.object({
      face: z.string(),
      online: z.number().int().nonnegative(),
      busy: z.number().int().nonnegative(),
      offline: z.number().int().nonnegative(),
    }),
  ),
  /** Slots of online and busy runners (their max concurrency): held and free. */
  slots: z.object({ busy: z.number().int().nonnegative(), free: z.number().int().nonnegative() }),
  /** Only with `?history=1`: the last hour, minute by minute, per queue. */
  history: z.array(metricsMinuteSchema).optional(),
});

export type MetricsAnswer = z.infer<typeof metricsAnswerSchema>;
export type MetricsQueue = z.infer<typeof metricsQueueSchema>;
