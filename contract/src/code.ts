/**
 * Seed 000's numeric enums, exactly as the seed numbers them, and the limits the Coderunner
 * face enforces. Stored documents hold the numbers; responses carry the number and its name.
 */

export const DEPLOYMENT_TYPES = { Function: 1, BackgroundJob: 2, ScheduleJob: 3, Deployment: 4 } as const;
export type DeploymentType = (typeof DEPLOYMENT_TYPES)[keyof typeof DEPLOYMENT_TYPES];

export const LANGUAGE_TYPES = { NodeJS: 1, Python: 2, DotNetScript: 3 } as const;
export type LanguageType = (typeof LANGUAGE_TYPES)[keyof typeof LANGUAGE_TYPES];

export const VERSION_STATUSES = { Pending: 1, Processing: 2, Completed: 3, Failed: 4 } as const;
export type VersionStatus = (typeof VERSION_STATUSES)[keyof typeof VERSION_STATUSES];

export function nameOf<T extends Record<string, number>>(table: T, value: number): keyof T & string {
  const entry = Object.entries(table).find(([, v]) => v === value);
  if (entry === undefined) throw new Error(`unknown enum value ${value}`);
  return entry[0];
}

/** Largest ZIP a caller may upload. The emulator refuses bodies over 10 MB, production 32 MB. */
export const MAX_BUNDLE_BYTES = 8 * 1024 * 1024;
/** Room for multipart boundaries and the Description field around the ZIP. */
export const MULTIPART_OVERHEAD_BYTES = 64 * 1024;
/** Most entries (files and folders) one archive may hold. */
export const MAX_ARCHIVE_ENTRIES = 2_000;
/** Most bytes an archive may inflate to, declared or actual: the zip-bomb fence. */
export const MAX_UNCOMPRESSED_BYTES = 64 * 1024 * 1024;
/** Longest path inside an archive. */
export const MAX_ENTRY_PATH_CHARS = 512;

/** Longest definition name and description, version description. */
export const MAX_DEFINITION_NAME_CHARS = 200;
export const MAX_DESCRIPTION_CHARS = 2_000;

/** Largest run payload once serialised as JSON. */
export const MAX_RUN_PAYLOAD_BYTES = 64 * 1024;
/**
 * Largest output (UTF-8 stdout/stderr tail) and structured result (JSON) a runner may hand back;
 * both land in the job document, which Firestore caps at 1 MiB.
 */
export const MAX_OUTPUT_BYTES = 256 * 1024;
export const MAX_RESULT_BYTES = 256 * 1024;
/** Longest failure reason a runner may send. */
export const MAX_ERROR_CHARS = 2_000;

/** Queue of one tenant's executions on the shared job queue. */
export function executionQueue(tenantId: string): string {
  return `execution/tenant:${tenantId}`;
}
