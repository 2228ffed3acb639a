/** Seed 002 (jobs API): request schemas, limits and the answers a runner reads. */
import { z } from "zod";
import { llmPayloadSchema, rpcPayloadSchema, runnerOffers, tokenChunksFields } from "./capabilities";
import { idSchema, leaseWaitMs } from "./common";

export type LogStream = "stdout" | "stderr" | "log";
export const LOG_STREAMS: readonly LogStream[] = ["stdout", "stderr", "log"];
/** Most named children one campaign job may have. */
export const MAX_CHILDREN = 50;
/** Longest mid-flight message. */
export const MAX_MESSAGE_CHARS = 10_000;
/** Artifacts one job may hold. */
export const MAX_ARTIFACTS_PER_JOB = 100;
/** Largest artifact. Cloud Functions buffers request bodies (32 MiB cap), so stay well under. */
export const MAX_ARTIFACT_BYTES = 8 * 1024 * 1024;
/** Most jobs one lease call hands out. */
export const MAX_LEASE_BATCH = 10;

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
export const idempotencyKey = z
  .string()
  .regex(new RegExp(`^[\\x21-\\x7e]{1,${MAX_IDEMPOTENCY_KEY_CHARS}}$`), "1-200 printable ASCII characters");

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
    /** Sibling names this child waits for (each must SUCCEED or be skipped first); no cycles. */
    dependsOn: z.array(childName).max(MAX_CHILDREN).optional(),
  })
  .strict();

/** Longest delay a job may be created with (`delayMs`, or `runAt` from now). */
export const MAX_DELAY_MS = 30 * 24 * 60 * 60 * 1000;
/** Most attempts a job may be given. */
export const MAX_ATTEMPTS = 100;
/** Bounds of a per-job backoff (`backoffMs`, `backoffMaxMs`). */
export const MIN_BACKOFF_MS = 1_000;
export const MAX_BACKOFF_MS = 24 * 60 * 60 * 1000;
/** Bounds of `timeoutMs`. */
export const MIN_TIMEOUT_MS = 1_000;
export const MAX_TIMEOUT_MS = 7 * 24 * 60 * 60 * 1000;
/** Longest `concurrencyKey`. */
export const MAX_CONCURRENCY_KEY_CHARS = 200;
/**
 * Highest `concurrencyLimit`: the key's slot document lists its holders, and one document takes
 * about one sustained write a second, so a key is for a few long jobs, not a throughput knob.
 */
export const MAX_CONCURRENCY_LIMIT = 100;

/** A concurrency key (GitHub's concurrency group): any text, trimmed, 1–200 characters. */
export const concurrencyKey = z.string().trim().min(1).max(MAX_CONCURRENCY_KEY_CHARS);
/** How many jobs with the key may be leased at once (default 1). */
export const concurrencyLimit = z.number().int().min(1).max(MAX_CONCURRENCY_LIMIT);

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
    /** Not leased before this many ms from now (0 to 30 days). Exclusive with `runAt`. */
    delayMs: z.number().int().min(0).max(MAX_DELAY_MS).optional(),
    /** Not leased before this time (ISO 8601 with offset, at most 30 days ahead). Exclusive with `delayMs`. */
    runAt: z.iso.datetime({ offset: true }).optional(),
    /** Leases (lapsed, or failed with `retry`) it may use before it ends FAILED (default 3). */
    maxAttempts: z.number().int().min(1).max(MAX_ATTEMPTS).optional(),
    /** Wait before the first retry, doubling per attempt (default 10 s). */
    backoffMs: z.number().int().min(MIN_BACKOFF_MS).max(MAX_BACKOFF_MS).optional(),
    /** Cap on that doubling wait (default 10 min). */
    backoffMaxMs: z.number().int().min(MIN_BACKOFF_MS).max(MAX_BACKOFF_MS).optional(),
    /** Longest one lease of it may run (1 s to 7 days): past it, FAILED with TIMED_OUT. */
    timeoutMs: z.number().int().min(MIN_TIMEOUT_MS).max(MAX_TIMEOUT_MS).optional(),
    /** At most `concurrencyLimit` of the team's jobs with this key are leased at once. */
    concurrencyKey: concurrencyKey.optional(),
    /** 1 to 100 (default 1); only with `concurrencyKey`. */
    concurrencyLimit: concurrencyLimit.optional(),
  })
  .strict()
  .refine((b) => b.delayMs === undefined || b.runAt === undefined, "send delayMs or runAt, not both")
  .refine(
    (b) => b.concurrencyLimit === undefined || b.concurrencyKey !== undefined,
    "concurrencyLimit needs a concurrencyKey",
  )
  .refine(
    (b) => b.backoffMs === undefined || b.backoffMaxMs === undefined || b.backoffMs <= b.backoffMaxMs,
    "backoffMs must not exceed backoffMaxMs",
  );

export const createJobHeaders = z.object({ "idempotency-key": idempotencyKey.optional() });

export const messageBody = z
  .object({
    text: z.string().trim().min(1).max(MAX_MESSAGE_CHARS).optional(),
    message: z.string().trim().min(1).max(MAX_MESSAGE_CHARS).optional(),
  })
  .strict()
  .refine(
    (b) => (b.text === undefined) !== (b.message === undefined),
    "send the message as `text` (or `message`), once",
  );

/** The runner names itself; together with the key's owner this is the lease holder. */
export const runnerId = z
  .string()
  .regex(new RegExp(`^[A-Za-z0-9_.-]{1,${MAX_RUNNER_ID_CHARS}}$`), "1-128 letters, digits, _ . or -");
export const leaseToken = z.string().min(1).max(200);

/** Most phases a runner may report for one job. */
export const MAX_PHASES = 32;
/** A phase's name: it appears in `POST /jobs/:jobId/phases/:phase/rerun`, so it is path-safe. */
export const phaseName = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, "1-64 letters, digits, _ . or -");
export const phaseList = z
  .array(phaseName)
  .min(1)
  .max(MAX_PHASES)
  .refine((list) => new Set(list).size === list.length, "phase names must be unique");

/** Runner bodies ignore fields they do not know, so runners can send more as they evolve. */
export const runnerRef = z.object({ runnerId, leaseToken });

/**
 * A heartbeat may acknowledge the messages it has: the highest `seq` received. With it, a message
 * stays undelivered until acknowledged, so an answer lost on the way is sent again (the runner
 * drops seqs it has seen). Without it, carrying a message in an answer delivers it.
 */
export const heartbeatRunnerBody = runnerRef
  .extend({
    ackedMessageSeq: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
    /** The job's phases in order, as the runner knows them (replaces the stored list). */
    phases: phaseList.optional(),
    /** The phase the runner is in now: one of `phases` (this beat's or the stored list). */
    phase: phaseName.optional(),
    /** The newest phase-rerun request (`rerunPhase.seq`) the runner has acted on. */
    ackedRerunSeq: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
    /** What the runner offers (capabilities, plugins): keeps its presence fresh while it works. */
    ...runnerOffers,
  })
  .refine((b) => b.phase === undefined || b.phases === undefined || b.phases.includes(b.phase), {
    message: "phase must be one of phases",
    path: ["phase"],
  });

const logLine = z.union([
  z
    .string()
    .max(MAX_LOG_LINE_CHARS)
    .transform((line) => ({ line, stream: "log" as LogStream })),
  z.object({
    line: z.string().max(MAX_LOG_LINE_CHARS),
    stream: z.enum(LOG_STREAMS as [LogStream, ...LogStream[]]).default("log"),
  }),
]);

export const appendLogsBody = runnerRef.extend({
  /** How many lines this runner sent under this lease before this batch. */
  offset: z.number().int().min(0),
  lines: z.array(logLine).min(1).max(MAX_LOG_LINES_PER_APPEND),
});

export const errorText = z.string().trim().min(1).max(MAX_ERROR_CHARS);

/** Largest log batch body (lines are capped individually too). */
export const MAX_LOG_BATCH_BYTES = 1024 * 1024;
/** Largest completion body (the result object). */
export const MAX_COMPLETE_BYTES = 256 * 1024;
export const MAX_RUNNER_TAGS = 50;

/** Bodies of the runner routes: the reference runner sends exactly what these routes parse. */
export const leaseRunnerBody = z.object({
  runnerId,
  tags: z.array(z.string().trim().min(1).max(64)).max(MAX_RUNNER_TAGS).default([]),
  limit: z.number().int().min(1).max(MAX_LEASE_BATCH).default(1),
  waitMs: leaseWaitMs,
  /** What the runner offers: it is also handed the `llm` / `rpc` jobs that need one of them. */
  ...runnerOffers,
});
/** `POST /jobs/:jobId/runner/tokens`: an `llm` job's output as it comes (see capabilities.ts). */
export const tokensRunnerBody = runnerRef.extend(tokenChunksFields);
export const completeRunnerBody = runnerRef.extend({ result: storableObject.default({}) });
/** `retry: true` returns the job to its queue after its backoff (FAILED once it has used its attempts). */
export const failRunnerBody = runnerRef.extend({ error: errorText, retry: z.boolean().optional() });
export const releaseRunnerBody = runnerRef.extend({ status: z.enum(["PENDING", "PAUSED", "CANCELLED"]) });
/** Headers of an artifact upload (its bytes are the raw body). */
export const artifactHeaders = z.object({
  "x-runner-id": runnerId,
  "x-lease-token": leaseToken,
  "x-artifact-name": z.string().max(1000).optional(),
});

export const MAX_ARTIFACT_NAME_CHARS = 200;
/** A file name or relative path: no control characters, no absolute or parent paths. */
export const artifactName = z
  .string()
  .min(1)
  .max(MAX_ARTIFACT_NAME_CHARS)
  .refine(
    (name) => ![...name].some((ch) => ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f || ch === "\\"),
    "no control characters or backslashes",
  )
  .refine(
    (name) => !name.startsWith("/") && !name.split("/").some((part) => part === "" || part === "." || part === ".."),
    "a relative path without empty, . or .. parts",
  );

/*
 * Answers the runner reads. Loose objects: a field the server adds later passes through; the
 * fields named here are the contract (the server's views are typed against these).
 */
const isoTime = z.string().refine((text) => !Number.isNaN(Date.parse(text)), "an ISO time");

/**
 * A webhook delivery as a runner receives it (seed 002: `{ pluginId, headers, rawBody }`):
 * headers with lower-cased names, and the exact bytes received, base64 (null if the stored body
 * has gone: the job then carries nothing to act on and should be failed).
 */
export const webhookPayloadSchema = z.looseObject({
  pluginId: z.string(),
  deliveryId: z.string().nullable(),
  headers: z.record(z.string(), z.string()),
  rawBody: z.string().nullable(),
});
export type WebhookPayload = z.infer<typeof webhookPayloadSchema>;

/** `POST /jobs/runner/lease` → `{ jobs: LeasedJob[] }`. */
export const leasedJobSchema = z.looseObject({
  id: idSchema,
  /**
   * `generic` (a jobs-API job), `webhook` (a verified delivery, with `payload`; type `webhook`),
   * `llm` (an intake chat turn, with `payload`; only to runners offering `llm`) or `rpc` (a short
   * request for a plugin or capability, with `payload`; only to runners offering it).
   */
  kind: z.enum(["generic", "webhook", "llm", "rpc"]).default("generic"),
  /** Webhook, llm and rpc jobs only. */
  payload: z.union([webhookPayloadSchema, llmPayloadSchema, rpcPayloadSchema]).optional(),
  leaseToken,
  leaseExpiresAt: isoTime,
  type: z.string(),
  workflowPath: z.string(),
  params: z.record(z.string(), z.unknown()),
  tags: z.array(z.string()),
  priority: z.number(),
  attempts: z.number().int(),
  maxAttempts: z.number().int(),
  parentId: z.string().nullable(),
  childName: z.string().nullable(),
  logOffset: z.number().int().min(0),
  /**
   * The phase to start at: set when `POST /jobs/:id/phases/:phase/rerun` queued the job again;
   * null (or absent, from older servers) for a run from the beginning.
   */
  startPhase: z.string().nullable().optional(),
});
export type LeasedJob = z.infer<typeof leasedJobSchema>;
export const leaseJobsAnswer = z.looseObject({ jobs: z.array(leasedJobSchema) });

/** `POST /jobs/:id/runner/heartbeat`. */
export const jobHeartbeatAnswer = z.looseObject({
  status: z.literal("RUNNING"),
  leaseExpiresAt: isoTime,
  cancelRequested: z.boolean(),
  pauseRequested: z.boolean(),
  messages: z.array(z.looseObject({ seq: z.number().int(), text: z.string(), createdAt: isoTime })),
  /**
   * The version of the team's runner configuration (`GET /config`; 0 while none is saved). A
   * runner that holds another version fetches it again. Optional: older servers omit it.
   */
  configVersion: z.number().int().min(0).optional(),
  /**
   * A person asked to rerun a phase of this run (`POST /jobs/:id/phases/:phase/rerun`): go back to
   * `phase`, then acknowledge `seq` as `ackedRerunSeq`; repeated in every answer until acknowledged.
   * Null when none is pending; absent from older servers.
   */
  rerunPhase: z
    .looseObject({ phase: z.string(), seq: z.number().int().min(1) })
    .nullable()
    .optional(),
});
export type JobHeartbeat = z.infer<typeof jobHeartbeatAnswer>;

/** `POST /jobs/:id/runner/logs`. */
export const appendLogsAnswer = z.looseObject({
  accepted: z.number().int().min(0),
  duplicates: z.number().int().min(0),
  nextOffset: z.number().int().min(0),
});
export type AppendLogsResult = z.infer<typeof appendLogsAnswer>;

export const jobArtifactSchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  contentType: z.string(),
  size: z.number().int().min(0),
  sha256: z.string(),
  uploadedBy: z.string().nullable(),
  createdAt: isoTime.nullable(),
  contentUrl: z.string(),
});
export type JobArtifact = z.infer<typeof jobArtifactSchema>;
/** `POST /jobs/:id/runner/artifacts` → `{ artifact }`. */
export const uploadArtifactAnswer = z.looseObject({ artifact: jobArtifactSchema });

export const RELEASE_AS = ["PENDING", "PAUSED", "CANCELLED"] as const;
export type ReleaseAs = (typeof RELEASE_AS)[number];
/** `POST /jobs/:id/runner/complete` and `/fail`. */
export const finishJobAnswer = z.looseObject({ status: z.string(), duplicate: z.boolean() });
/** `POST /jobs/:id/runner/release`. */
export const releaseJobAnswer = z.looseObject({ status: z.enum(RELEASE_AS) });
