/**
 * Seed 004 (fleet and review tasks): request schemas, limits and the answers a runner reads.
 */
import { z } from "zod";
import { capabilityList, pluginList, runnerOffers } from "./capabilities";
import { leaseWaitMsParam, MAX_NAME_LENGTH } from "./common";
import {
  concurrencyKey,
  concurrencyLimit,
  MAX_BACKOFF_MS,
  MAX_DELAY_MS,
  MAX_TIMEOUT_MS,
  MIN_BACKOFF_MS,
  MIN_TIMEOUT_MS,
} from "./jobs";
import { unstorableReason } from "./storable";

/** `x-runner-max-concurrency` when the runner sends none (seed 004). */
export const DEFAULT_MAX_CONCURRENCY = 5;
/** Highest concurrency a runner may declare: also bounds how many jobs a held-jobs scan can meet. */
export const MAX_CONCURRENCY = 100;
/** Execution phases a holder reports while it works (seed 004 task status). */
export const TASK_PHASES = ["preparing", "cloning", "reviewing", "submitting"] as const;
export type TaskPhase = (typeof TASK_PHASES)[number];

/** Path words under /api/runners that runner ids may not take (their routes would shadow them). */
const RESERVED_RUNNER_IDS = ["register", "tasks"];
/** Longest runner id; ids go into document keys and URLs. */
export const MAX_RUNNER_ID_LENGTH = 128;
export const MAX_TAGS = 32;
export const MAX_TAG_LENGTH = 64;
/** Longest version / os / arch string. */
export const MAX_META_LENGTH = 64;
/** Most tasks one claim call may ask for (it gets at most the runner's free slots anyway). */
export const MAX_CLAIM_LIMIT = MAX_CONCURRENCY;
/** A heartbeat's `currentJobs` above this is not a real report. */
export const MAX_REPORTED_JOBS = 10_000;
/** Log lines per call (seed 004: between 1 and 200). */
export const MAX_LOG_LINES = 200;
/** Longest log line accepted; longer ones are refused rather than cut, so nothing is lost silently. */
export const MAX_LOG_LINE_CHARS = 4096;
/** Body caps: 200 full lines fit in a log call; a result and its task stay under a document's 1 MiB. */
export const LOG_BODY_BYTES = 1024 * 1024;
export const RESULT_BODY_BYTES = 512 * 1024;
export const TASK_BODY_BYTES = 256 * 1024;
export const MAX_RESULT_FILES = 1000;
export const MAX_TOTAL_COMMENTS = 1_000_000;
export const MAX_ERROR_CHARS = 4000;
/** Review task limits. */
export const MAX_TASK_FILES = 1000;
export const MAX_PATH_CHARS = 1024;
export const MAX_PATCH_CHARS = 200_000;
export const MAX_PROMPT_CHARS = 20_000;
export const MAX_AI_OPTIONS = 50;

export const runnerIdSchema = z
  .string()
  .trim()
  .max(MAX_RUNNER_ID_LENGTH)
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._:-]*$/,
    "runner ids are letters, digits and . _ : - (starting with a letter or digit)",
  )
  .refine((id) => !RESERVED_RUNNER_IDS.includes(id), "this runner id is reserved");

/** Firestore auto ids and our own: URL-safe characters only. */
export const taskIdSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9_-]+$/, "not a valid task id");

export const tagSchema = z
  .string()
  .trim()
  .min(1)
  .max(MAX_TAG_LENGTH)
  .regex(/^[A-Za-z0-9._:/-]+$/, "tags are letters, digits and . _ : / -");

/** A header that may be absent or blank (blank means absent). */
function optionalHeader<T extends z.ZodType>(schema: T) {
  return z.preprocess(
    (value) => (typeof value === "string" && value.trim() === "" ? undefined : value),
    schema.optional(),
  );
}

const metaSchema = z.string().trim().min(1).max(MAX_META_LENGTH);
/** Longest `x-runner-capabilities` / `x-runner-plugins` header (their lists' caps, with room for spaces). */
const OFFER_HEADER_CHARS = 4096;

/** Seed 004 registration: metadata in `x-runner-*` headers. */
export const registrationHeaders = z.object({
  "x-runner-id": runnerIdSchema,
  "x-runner-name": optionalHeader(z.string().trim().min(1).max(MAX_NAME_LENGTH)),
  "x-runner-version": optionalHeader(metaSchema),
  "x-runner-os": optionalHeader(metaSchema),
  "x-runner-arch": optionalHeader(metaSchema),
  "x-runner-max-concurrency": optionalHeader(
    z
      .string()
      .trim()
      .regex(/^\d{1,6}$/, `a whole number from 1 to ${MAX_CONCURRENCY}`)
      .transform(Number)
      .pipe(z.number().int().min(1).max(MAX_CONCURRENCY)),
  ),
  "x-runner-tags": optionalHeader(
    z
      .string()
      .max(MAX_TAGS * (MAX_TAG_LENGTH + 1))
      .transform((raw) => [...new Set(commaList(raw))])
      .pipe(z.array(tagSchema).max(MAX_TAGS)),
  ),
  /**
   * Not in seed 004 (optional, our addition): what the runner offers to the routes a runner
   * answers (seed 002's intake chat, plugins, diagnostics), as the jobs API's lease and heartbeat
   * take it (contract/src/capabilities.ts), comma-separated like `x-runner-tags`.
   */
  "x-runner-capabilities": optionalHeader(z.string().max(OFFER_HEADER_CHARS).transform(commaList).pipe(capabilityList)),
  "x-runner-plugins": optionalHeader(z.string().max(OFFER_HEADER_CHARS).transform(commaList).pipe(pluginList)),
});

/** The items of a comma-separated header, trimmed, blanks dropped. */
function commaList(raw: string): string[] {
  return raw
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}

export function registrationOf(headers: z.infer<typeof registrationHeaders>) {
  const runnerId = headers["x-runner-id"];
  return {
    runnerId,
    name: headers["x-runner-name"] ?? runnerId,
    version: headers["x-runner-version"] ?? "unknown",
    os: headers["x-runner-os"] ?? "unknown",
    arch: headers["x-runner-arch"] ?? "unknown",
    tags: headers["x-runner-tags"] ?? [],
    maxConcurrency: headers["x-runner-max-concurrency"] ?? DEFAULT_MAX_CONCURRENCY,
  };
}

/**
 * What a registration offers (`x-runner-capabilities`, `x-runner-plugins`), or null when it
 * sends neither header: a runner that says nothing offers nothing, as on the jobs API.
 */
export function registrationOffer(
  headers: z.infer<typeof registrationHeaders>,
): { capabilities?: string[]; plugins?: string[] } | null {
  const capabilities = headers["x-runner-capabilities"];
  const plugins = headers["x-runner-plugins"];
  if (capabilities === undefined && plugins === undefined) return null;
  return { ...(capabilities === undefined ? {} : { capabilities }), ...(plugins === undefined ? {} : { plugins }) };
}

export const runnerParams = z.object({ id: runnerIdSchema });
export const taskParams = z.object({ id: taskIdSchema });

/** Status and log calls may name the runner in `x-runner-id` (seed 004 bodies do not carry it). */
export const runnerHeader = z.object({ "x-runner-id": optionalHeader(runnerIdSchema) });

export const logLinesSchema = z.array(z.string().max(MAX_LOG_LINE_CHARS)).max(MAX_LOG_LINES);

/** Free-form JSON a runner reports, checked to be storable. */
const storableObject = z.record(z.string(), z.unknown()).superRefine((value, ctx) => {
  const reason = unstorableReason(value);
  if (reason !== null) ctx.addIssue({ code: "custom", message: reason });
});

export const resultBody = z.object({
  runnerId: runnerIdSchema,
  status: z.enum(["success", "failed"]),
  files: z.array(storableObject).max(MAX_RESULT_FILES),
  totalComments: z.number().int().min(0).max(MAX_TOTAL_COMMENTS),
  rating: z.enum(["A", "B", "C", "D", "F"]).optional(),
  metrics: storableObject,
  error: z.string().max(MAX_ERROR_CHARS).optional(),
  logs: logLinesSchema.optional(),
  /** With `status: "failed"`: back to the queue after its backoff (`attempts + 1`; FAILED after `maxAttempts`). */
  retry: z.boolean().optional(),
});

export const statusBody = z.object({ status: z.enum(TASK_PHASES), runnerId: runnerIdSchema.optional() });

export const logsBody = z.object({ logs: logLinesSchema.min(1), runnerId: runnerIdSchema.optional() });

export const heartbeatBody = z.object({
  status: z.enum(["online", "busy", "offline"]),
  currentJobs: z.number().int().min(0).max(MAX_REPORTED_JOBS),
  /**
   * Not in seed 004 (optional, our addition): what the runner offers, as on the jobs API's lease
   * and heartbeat (contract/src/capabilities.ts). Keeps its presence fresh for the routes a
   * runner answers while it is online or busy.
   */
  ...runnerOffers,
});

export const claimQuery = z.object({
  runnerId: runnerIdSchema,
  limit: z
    .string()
    .regex(/^\d{1,6}$/, `a whole number from 1 to ${MAX_CLAIM_LIMIT}`)
    .transform(Number)
    .pipe(z.number().int().min(1).max(MAX_CLAIM_LIMIT))
    .optional(),
  waitMs: leaseWaitMsParam,
});

/**
 * A runner passes branches, paths and repository URLs to `git`; one that starts with `-` would be
 * read as an option (`--upload-pack=…`, `-oProxyCommand=…`), so none may.
 */
const NO_LEADING_DASH = /^[^-]/;
const NO_LEADING_DASH_MESSAGE = "must not start with '-'";
const changedPath = z.string().min(1).max(MAX_PATH_CHARS).regex(NO_LEADING_DASH, NO_LEADING_DASH_MESSAGE);

const fileChange = z
  .object({
    path: changedPath,
    status: z.enum(["added", "modified", "removed", "renamed"]),
    previousPath: changedPath.optional(),
    patch: z.string().max(MAX_PATCH_CHARS).optional(),
    additions: z.number().int().min(0).optional(),
    deletions: z.number().int().min(0).optional(),
  })
  .strict();

const aiConfig = z
  .object({
    agentType: z.string().trim().min(1).max(MAX_META_LENGTH),
    model: z
      .string()
      .trim()
      .min(1)
      .max(MAX_META_LENGTH * 2)
      .optional(),
    prompt: z.string().max(MAX_PROMPT_CHARS).optional(),
    options: z
      .record(
        z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "option names are letters, digits, _ and -"),
        z.union([z.string().max(1000), z.number(), z.boolean()]),
      )
      .refine((options) => Object.keys(options).length <= MAX_AI_OPTIONS, `at most ${MAX_AI_OPTIONS} options`)
      .optional(),
  })
  .strict();

/** `POST /api/runners/tasks`: what a claimed task will carry. */
export const newTaskBody = z
  .object({
    repositoryUrl: z
      .string()
      .trim()
      .max(2048)
      .regex(/^(?:(?:https?|ssh|git):\/\/\S+|[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:\S+)$/, "an http(s), ssh or git URL")
      .regex(NO_LEADING_DASH, NO_LEADING_DASH_MESSAGE),
    branch: z
      .string()
      .trim()
      .min(1)
      .max(255)
      .regex(/^[^\s~^:?*[\\\p{Cc}]+$/u, "not a valid branch name")
      .regex(NO_LEADING_DASH, NO_LEADING_DASH_MESSAGE),
    commitSha: z.string().regex(/^[0-9a-fA-F]{7,64}$/, "a hex commit SHA"),
    files: z.array(fileChange).max(MAX_TASK_FILES),
    aiConfig,
    tags: z.array(tagSchema).max(MAX_TAGS).optional(),
    priority: z.number().int().min(-100).max(100).optional(),
    maxAttempts: z.number().int().min(1).max(10).optional(),
    /** Not claimed before this many ms from now (0 to 30 days). Exclusive with `runAt`. */
    delayMs: z.number().int().min(0).max(MAX_DELAY_MS).optional(),
    /** Not claimed before this time (ISO 8601 with offset, at most 30 days ahead). */
    runAt: z.iso.datetime({ offset: true }).optional(),
    /** Wait before the first retry, doubling per attempt (default 10 s), and its cap (default 10 min). */
    backoffMs: z.number().int().min(MIN_BACKOFF_MS).max(MAX_BACKOFF_MS).optional(),
    backoffMaxMs: z.number().int().min(MIN_BACKOFF_MS).max(MAX_BACKOFF_MS).optional(),
    /** Longest one lease of it may run (1 s to 7 days): past it, FAILED with TIMED_OUT. */
    timeoutMs: z.number().int().min(MIN_TIMEOUT_MS).max(MAX_TIMEOUT_MS).optional(),
    /** At most `concurrencyLimit` (1–100, default 1) of the team's tasks with this key claimed at once. */
    concurrencyKey: concurrencyKey.optional(),
    concurrencyLimit: concurrencyLimit.optional(),
  })
  .strict()
  .refine((b) => b.delayMs === undefined || b.runAt === undefined, "send delayMs or runAt, not both")
  .refine(
    (b) => b.backoffMs === undefined || b.backoffMaxMs === undefined || b.backoffMs <= b.backoffMaxMs,
    "backoffMs must not exceed backoffMaxMs",
  )
  .refine(
    (b) => b.concurrencyLimit === undefined || b.concurrencyKey !== undefined,
    "concurrencyLimit needs a concurrencyKey",
  );

/*
 * Answers the runner reads (inside `{ data }`). Loose objects: a field the server adds later
 * passes through; the fields named here are the contract.
 */
const isoOrNull = z.string().nullable();
export const RUNNER_STATUSES = ["online", "busy", "offline"] as const;

export const fleetRunnerSchema = z.looseObject({
  id: z.string(),
  seq: z.number().int(),
  name: z.string(),
  version: z.string(),
  os: z.string(),
  arch: z.string(),
  tags: z.array(z.string()),
  maxConcurrency: z.number().int(),
  status: z.enum(RUNNER_STATUSES),
  /** What the runner last sent as `currentJobs` (seed 004: it reads back what it sent). */
  currentJobs: z.number().int().min(0),
  /** The same as `currentJobs`, kept for older clients. */
  reportedJobs: z.number().int().min(0),
  /** Tasks the server counts this runner holding. */
  heldJobs: z.number().int().min(0),
  lastHeartbeatAt: isoOrNull,
  offlineAt: isoOrNull,
  createdAt: isoOrNull,
  updatedAt: isoOrNull,
});
export type FleetRunner = z.infer<typeof fleetRunnerSchema>;

export const reviewTaskSchema = z.looseObject({
  id: z.string(),
  status: z.string(),
  phase: z.enum(TASK_PHASES).nullable(),
  repositoryUrl: z.string(),
  branch: z.string(),
  commitSha: z.string(),
  files: z.array(fileChange),
  aiConfig,
  tags: z.array(z.string()),
  priority: z.number(),
  attempts: z.number().int(),
  maxAttempts: z.number().int(),
  runnerId: z.string().nullable(),
  leaseExpiresAt: isoOrNull,
  result: z.unknown(),
  error: z.unknown(),
  createdAt: isoOrNull,
  finishedAt: isoOrNull,
});
export type ReviewTask = z.infer<typeof reviewTaskSchema>;
export const taskLogsAnswerSchema = z.looseObject({
  id: z.string(),
  appended: z.number().int(),
  firstSeq: z.number().int(),
  lastSeq: z.number().int(),
});
export type TaskLogsAnswer = z.infer<typeof taskLogsAnswerSchema>;

/** `{ data }`, how the fleet face wraps its answers. */
export function wrapped<T extends z.ZodType>(data: T) {
  return z.looseObject({ data });
}
