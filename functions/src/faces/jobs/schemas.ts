import { z } from "zod";
import type { LogStream } from "../../core/jobs/jobLogs";
import { LOG_STREAMS } from "../../data/jobLogs";
import { idSchema } from "../../http/schemas";
import { MAX_CHILDREN, MAX_MESSAGE_CHARS } from "../../core/jobsApi/model";

/** Limits on what a create request carries. */
export const MAX_TYPE_CHARS = 100;
export const MAX_WORKFLOW_PATH_CHARS = 500;
export const MAX_TAGS = 20;
export const MAX_TAG_CHARS = 64;
export const MAX_PRIORITY = 1_000;
export const MAX_IDEMPOTENCY_KEY_CHARS = 200;
/** Nesting Firestore stores comfortably (its hard limit is 20 levels). */
export const MAX_JSON_DEPTH = 16;
export const MAX_ERROR_CHARS = 4_000;
export const MAX_RUNNER_ID_CHARS = 128;
export const MAX_LOG_LINE_CHARS = 16 * 1024;
export const MAX_LOG_LINES_PER_APPEND = 200;

export const jobParams = z.object({ jobId: idSchema });

const tags = z.array(z.string().trim().min(1).max(MAX_TAG_CHARS)).max(MAX_TAGS);
const priority = z.number().int().min(-MAX_PRIORITY).max(MAX_PRIORITY);
/** Child names become part of the child's job id, so they are id-safe. */
export const childName = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "1-64 letters, digits, _ or -");
/** Printable ASCII without spaces, as HTTP header values travel safely. */
export const idempotencyKey = z.string().regex(new RegExp(`^[\\x21-\\x7e]{1,${MAX_IDEMPOTENCY_KEY_CHARS}}$`), "1-200 printable ASCII characters");

/**
 * A JSON object Firestore can store as given: no array directly inside an array, no empty or
 * reserved (`__x__`) keys, bounded nesting. Anything else would fail at write time as a 500.
 */
export const storableObject = z.record(z.string(), z.unknown()).superRefine((value, ctx) => {
  const problem = storableProblem(value, 1, false);
  if (problem !== null) ctx.addIssue({ code: "custom", message: problem });
});

function storableProblem(value: unknown, depth: number, inArray: boolean): string | null {
  if (depth > MAX_JSON_DEPTH) return `nested deeper than ${MAX_JSON_DEPTH} levels`;
  if (Array.isArray(value)) {
    if (inArray) return "arrays directly inside arrays cannot be stored";
    for (const item of value) {
      const p = storableProblem(item, depth + 1, true);
      if (p !== null) return p;
    }
    return null;
  }
  if (value !== null && typeof value === "object") {
    for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
      if (key.length === 0 || /^__.*__$/.test(key)) return `key "${key}" is empty or reserved`;
      const p = storableProblem(item, depth + 1, false);
      if (p !== null) return p;
    }
  }
  return null;
}

const childSpec = z
  .object({
    name: childName,
    type: z.string().trim().min(1).max(MAX_TYPE_CHARS).optional(),
    workflowPath: z.string().trim().min(1).max(MAX_WORKFLOW_PATH_CHARS).optional(),
    params: storableObject.optional(),
    tags: tags.optional(),
    priority: priority.optional(),
    start: z.enum(["auto", "manual"]).optional(),
  })
  .strict();

export const createJobBody = z
  .object({
    type: z.string().trim().min(1).max(MAX_TYPE_CHARS),
    workflowPath: z.string().trim().min(1).max(MAX_WORKFLOW_PATH_CHARS),
    params: storableObject,
    tags: tags.optional(),
    priority: priority.optional(),
    children: z
      .array(childSpec)
      .max(MAX_CHILDREN)
      .refine((list) => new Set(list.map((c) => c.name)).size === list.length, "child names must be unique")
      .optional(),
    idempotencyKey: idempotencyKey.optional(),
  })
  .strict();

export const createJobHeaders = z.object({ "idempotency-key": idempotencyKey.optional() });

export const messageBody = z
  .object({ text: z.string().trim().min(1).max(MAX_MESSAGE_CHARS).optional(), message: z.string().trim().min(1).max(MAX_MESSAGE_CHARS).optional() })
  .strict()
  .refine((b) => (b.text === undefined) !== (b.message === undefined), "send the message as `text` (or `message`), once");

/** The runner names itself; together with the key's owner this is the lease holder. */
export const runnerId = z.string().regex(new RegExp(`^[A-Za-z0-9_.-]{1,${MAX_RUNNER_ID_CHARS}}$`), "1-128 letters, digits, _ . or -");
export const leaseToken = z.string().min(1).max(200);

/** Runner bodies ignore fields they do not know, so runners can send more as they evolve. */
export const runnerRef = z.object({ runnerId, leaseToken });

/**
 * A heartbeat may acknowledge the messages it has: the highest `seq` received. With it, a message
 * stays undelivered until acknowledged, so an answer lost on the way is sent again (the runner
 * drops seqs it has seen). Without it, carrying a message in an answer delivers it.
 */
export const heartbeatRunnerBody = runnerRef.extend({ ackedMessageSeq: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional() });

const logLine = z.union([
  z.string().max(MAX_LOG_LINE_CHARS).transform((line) => ({ line, stream: "log" as LogStream })),
  z.object({ line: z.string().max(MAX_LOG_LINE_CHARS), stream: z.enum(LOG_STREAMS as [LogStream, ...LogStream[]]).default("log") }),
]);

export const appendLogsBody = runnerRef.extend({
  /** How many lines this runner sent under this lease before this batch. */
  offset: z.number().int().min(0),
  lines: z.array(logLine).min(1).max(MAX_LOG_LINES_PER_APPEND),
});

export const errorText = z.string().trim().min(1).max(MAX_ERROR_CHARS);
