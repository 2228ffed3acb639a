/** Seed 000 (Coderunner): request schemas, limits and the answers a runner reads. */
import { z } from "zod";
import {
  LANGUAGE_TYPES,
  MAX_DEFINITION_NAME_CHARS,
  MAX_DESCRIPTION_CHARS,
  MAX_ERROR_CHARS,
  MAX_OUTPUT_BYTES,
} from "./code";
import { idSchema, leaseWaitMs, wholeNumber } from "./common";

/** Longest cron expression accepted. */
export const MAX_CRON_CHARS = 100;
/** Most definitions an overview lists (newest first). */
export const MAX_OVERVIEW_DEFINITIONS = 50;
/** Most executions an overview lists (newest first). */
export const MAX_OVERVIEW_EXECUTIONS = 50;

/**
 * Seed 000 bodies, with the seed's own casing (camelCase for definitions, PascalCase for deploy).
 * Objects are strict: a mis-cased key (`cronExpression`) is refused by name rather than ignored.
 */
export const definitionBody = z
  .object({
    name: z.string().trim().min(1).max(MAX_DEFINITION_NAME_CHARS),
    description: z.string().trim().max(MAX_DESCRIPTION_CHARS).default(""),
    deploymentType: z.literal(
      [1, 2, 3, 4],
      "deploymentType must be 1 Function, 2 BackgroundJob, 3 ScheduleJob or 4 Deployment",
    ),
    languageType: z.literal([1, 2, 3], "languageType must be 1 NodeJS, 2 Python or 3 DotNetScript"),
  })
  .strict();

/** Quantities are checked against their patterns and bounds in the core; here only their size. */
const configurationSchema = z
  .object({
    Cpu: z.string().trim().min(1).max(16).optional(),
    Memory: z.string().trim().min(1).max(16).optional(),
    CronExpression: z
      .string()
      .max(MAX_CRON_CHARS * 2)
      .nullable()
      .optional(),
  })
  .strict();

export const deployBody = z
  .object({
    DefinitionId: idSchema,
    VersionId: idSchema,
    Configuration: configurationSchema.optional(),
  })
  .strict();

/** The proxy knows the app's definition and latest upload, so both ids are optional there. */
export const proxyDeployBody = z
  .object({
    DefinitionId: idSchema.optional(),
    VersionId: idSchema.optional(),
    Configuration: configurationSchema.optional(),
  })
  .strict();

export const runBody = z.object({ payload: z.record(z.string(), z.unknown()).default({}) }).strict();

export const idParams = z.object({ id: idSchema });
export const versionParams = z.object({ versionId: idSchema });
export const deploymentParams = z.object({ deploymentId: idSchema });
export const executionParams = z.object({ executionId: idSchema });
export const versionsQuery = z.object({ DefinitionId: idSchema });

/** Executions an overview lists when the caller does not say. */
export const DEFAULT_OVERVIEW_EXECUTIONS = 20;
/** `GET /api/coderunner/overview?definitions=&executions=`: how many of each, newest first. */
export const overviewQuery = z.object({
  definitions: wholeNumber(1, MAX_OVERVIEW_DEFINITIONS).default(MAX_OVERVIEW_DEFINITIONS),
  executions: wholeNumber(1, MAX_OVERVIEW_EXECUTIONS).default(DEFAULT_OVERVIEW_EXECUTIONS),
});

/** `app_slug`: lower-case letters, digits and dashes, as portal app slugs are. */
export const appSlugSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, "app_slug must be lower-case letters, digits and dashes");
export const appParams = z.object({ workspaceId: z.string().min(1).max(64), appSlug: appSlugSchema });
export const appVersionParams = appParams.extend({ versionId: idSchema });

/** Runner side. Lease tokens are 16 random bytes, base64url. */
export const leaseToken = z.string().min(1).max(64);
export const leaseBody = z.object({ limit: z.number().int().min(1).max(10).default(1), waitMs: leaseWaitMs }).strict();
export const heldBody = z.object({ leaseToken });
export const completeBody = z.object({
  leaseToken,
  exitCode: z.number().int().min(-2147483648).max(2147483647),
  output: z
    .string()
    .refine(
      (s) => Buffer.byteLength(s, "utf8") <= MAX_OUTPUT_BYTES,
      `output must be at most ${MAX_OUTPUT_BYTES} bytes (send the tail)`,
    )
    .default(""),
  result: z.unknown().optional(),
});
export const failBody = z.object({ leaseToken, error: z.string().trim().min(1).max(MAX_ERROR_CHARS) });
export const bundleHeaders = z.object({ "x-lease-token": leaseToken });
export const runnerKeyBody = z
  .object({ name: z.string().trim().min(1).max(100).default("Coderunner runner") })
  .strict();
export const runnerKeyParams = z.object({ keyId: idSchema });

/*
 * Answers the runner reads (inside seed 000's `{ success, message, data }` envelope). Loose
 * objects: a field the server adds later passes through; the fields named here are the contract.
 */
export const EXECUTION_TRIGGERS = ["onetime", "endpoint", "schedule"] as const;
export type ExecutionTrigger = (typeof EXECUTION_TRIGGERS)[number];

/** What a deployment may use, as asked (`250m`, `256Mi`) and as numbers. */
export const executionLimitsSchema = z.looseObject({
  cpu: z.string(),
  memory: z.string(),
  cpuMillis: z.number().int().min(1),
  memoryMiB: z.number().int().min(1),
});

export const leasedExecutionSchema = z.looseObject({
  executionId: idSchema,
  leaseToken,
  leaseExpiresAt: z.number(),
  deploymentId: z.string(),
  versionId: z.string(),
  languageType: z.union([
    z.literal(LANGUAGE_TYPES.NodeJS),
    z.literal(LANGUAGE_TYPES.Python),
    z.literal(LANGUAGE_TYPES.DotNetScript),
  ]),
  language: z.string(),
  entryPoint: z.string().min(1),
  limits: executionLimitsSchema,
  payload: z.unknown(),
  trigger: z.enum(EXECUTION_TRIGGERS),
  slot: z.string().nullable(),
  bundle: z.looseObject({ sha256: z.string(), size: z.number().int().min(0), path: z.string().startsWith("/") }),
});
export type LeasedExecution = z.infer<typeof leasedExecutionSchema>;

/** Seed 000's envelope around `data`. */
export function envelope<T extends z.ZodType>(data: T) {
  return z.looseObject({ success: z.boolean(), message: z.string(), data });
}
export const leaseExecutionsAnswer = envelope(z.looseObject({ executions: z.array(leasedExecutionSchema) }));
export const executionHeartbeatSchema = z.looseObject({ leaseExpiresAt: z.number(), cancelRequested: z.boolean() });
export type ExecutionHeartbeat = z.infer<typeof executionHeartbeatSchema>;
export const executionHeartbeatAnswer = envelope(executionHeartbeatSchema);
export const executionFinishedSchema = z.looseObject({
  executionId: z.string(),
  status: z.string(),
  duplicate: z.boolean(),
});
export type ExecutionFinished = z.infer<typeof executionFinishedSchema>;
export const executionFinishedAnswer = envelope(executionFinishedSchema);
