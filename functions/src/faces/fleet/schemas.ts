import { z } from "zod";
import { DEFAULT_MAX_CONCURRENCY, MAX_CONCURRENCY } from "../../core/runners/limits";
import { TASK_PHASES } from "../../core/runners/reviewTask";
import { unstorableReason } from "../../core/runners/storable";
import { InvalidArgument } from "../../http/errors";
import { leaseWaitMsParam, MAX_NAME_LENGTH } from "../../http/schemas";

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
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, "runner ids are letters, digits and . _ : - (starting with a letter or digit)")
  .refine((id) => !RESERVED_RUNNER_IDS.includes(id), "this runner id is reserved");

/** Firestore auto ids and our own: URL-safe characters only. */
export const taskIdSchema = z.string().min(1).max(128).regex(/^[A-Za-z0-9_-]+$/, "not a valid task id");

export const tagSchema = z.string().trim().min(1).max(MAX_TAG_LENGTH).regex(/^[A-Za-z0-9._:/-]+$/, "tags are letters, digits and . _ : / -");

/** A header that may be absent or blank (blank means absent). */
function optionalHeader<T extends z.ZodType>(schema: T) {
  return z.preprocess((value) => (typeof value === "string" && value.trim() === "" ? undefined : value), schema.optional());
}

const metaSchema = z.string().trim().min(1).max(MAX_META_LENGTH);

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
      .transform((raw) => [...new Set(raw.split(",").map((t) => t.trim()).filter((t) => t.length > 0))])
      .pipe(z.array(tagSchema).max(MAX_TAGS)),
  ),
});

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

export const runnerParams = z.object({ id: runnerIdSchema });
export const taskParams = z.object({ id: taskIdSchema });

/** Status and log calls may name the runner in `x-runner-id` (seed 004 bodies do not carry it). */
export const runnerHeader = z.object({ "x-runner-id": optionalHeader(runnerIdSchema) });

/** The runner a status or log call names, from its header or body; both must agree. */
export function namedRunner(header: string | undefined, body: string | undefined): string | null {
  if (header !== undefined && body !== undefined && header !== body) {
    throw new InvalidArgument("RUNNER_ID_MISMATCH", "x-runner-id and runnerId name different runners.");
  }
  return header ?? body ?? null;
}

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
});

export const statusBody = z.object({ status: z.enum(TASK_PHASES), runnerId: runnerIdSchema.optional() });

export const logsBody = z.object({ logs: logLinesSchema.min(1), runnerId: runnerIdSchema.optional() });

export const heartbeatBody = z.object({
  status: z.enum(["online", "busy", "offline"]),
  currentJobs: z.number().int().min(0).max(MAX_REPORTED_JOBS),
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

const fileChange = z
  .object({
    path: z.string().min(1).max(MAX_PATH_CHARS),
    status: z.enum(["added", "modified", "removed", "renamed"]),
    previousPath: z.string().min(1).max(MAX_PATH_CHARS).optional(),
    patch: z.string().max(MAX_PATCH_CHARS).optional(),
    additions: z.number().int().min(0).optional(),
    deletions: z.number().int().min(0).optional(),
  })
  .strict();

const aiConfig = z
  .object({
    agentType: z.string().trim().min(1).max(MAX_META_LENGTH),
    model: z.string().trim().min(1).max(MAX_META_LENGTH * 2).optional(),
    prompt: z.string().max(MAX_PROMPT_CHARS).optional(),
    options: z
      .record(z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "option names are letters, digits, _ and -"), z.union([z.string().max(1000), z.number(), z.boolean()]))
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
      .regex(/^(?:(?:https?|ssh|git):\/\/\S+|[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:\S+)$/, "an http(s), ssh or git URL"),
    branch: z
      .string()
      .trim()
      .min(1)
      .max(255)
      .regex(/^[^\s~^:?*[\\\p{Cc}]+$/u, "not a valid branch name"),
    commitSha: z.string().regex(/^[0-9a-fA-F]{7,64}$/, "a hex commit SHA"),
    files: z.array(fileChange).max(MAX_TASK_FILES),
    aiConfig,
    tags: z.array(tagSchema).max(MAX_TAGS).optional(),
    priority: z.number().int().min(-100).max(100).optional(),
    maxAttempts: z.number().int().min(1).max(10).optional(),
  })
  .strict();
