import { z } from "zod";
import { MAX_CRON_CHARS } from "../../core/code/deploymentConfig";
import { MAX_DEFINITION_NAME_CHARS, MAX_DESCRIPTION_CHARS, MAX_ERROR_CHARS, MAX_OUTPUT_BYTES } from "../../core/code/model";
import { MAX_OVERVIEW_DEFINITIONS, MAX_OVERVIEW_EXECUTIONS } from "../../core/code/readOverview";
import { idSchema, leaseWaitMs, wholeNumber } from "../../http/schemas";

/**
 * Seed 000 bodies, with the seed's own casing (camelCase for definitions, PascalCase for deploy).
 * Objects are strict: a mis-cased key (`cronExpression`) is refused by name rather than ignored.
 */
export const definitionBody = z
  .object({
    name: z.string().trim().min(1).max(MAX_DEFINITION_NAME_CHARS),
    description: z.string().trim().max(MAX_DESCRIPTION_CHARS).default(""),
    deploymentType: z.literal([1, 2, 3, 4], "deploymentType must be 1 Function, 2 BackgroundJob, 3 ScheduleJob or 4 Deployment"),
    languageType: z.literal([1, 2, 3], "languageType must be 1 NodeJS, 2 Python or 3 DotNetScript"),
  })
  .strict();

/** Quantities are checked against their patterns and bounds in the core; here only their size. */
const configurationSchema = z
  .object({
    Cpu: z.string().trim().min(1).max(16).optional(),
    Memory: z.string().trim().min(1).max(16).optional(),
    CronExpression: z.string().max(MAX_CRON_CHARS * 2).nullable().optional(),
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
export const appSlugSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, "app_slug must be lower-case letters, digits and dashes");
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
    .refine((s) => Buffer.byteLength(s, "utf8") <= MAX_OUTPUT_BYTES, `output must be at most ${MAX_OUTPUT_BYTES} bytes (send the tail)`)
    .default(""),
  result: z.unknown().optional(),
});
export const failBody = z.object({ leaseToken, error: z.string().trim().min(1).max(MAX_ERROR_CHARS) });
export const bundleHeaders = z.object({ "x-lease-token": leaseToken });
export const runnerKeyBody = z.object({ name: z.string().trim().min(1).max(100).default("Coderunner runner") }).strict();
export const runnerKeyParams = z.object({ keyId: idSchema });
