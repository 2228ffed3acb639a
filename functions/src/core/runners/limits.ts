/** Limits and defaults of the runner fleet, in one place so faces and core agree. */

import { MAX_CONCURRENCY } from "../../../../contract/src/fleet";

export { DEFAULT_MAX_CONCURRENCY, MAX_CONCURRENCY } from "../../../../contract/src/fleet";
/** Held jobs read per runner; twice the concurrency cap, so a scan never silently truncates. */
export const MAX_HELD_SCAN = 2 * MAX_CONCURRENCY;
/** Most runners one list answers with (neither seed pages its runner list). */
export const MAX_RUNNERS_LISTED = 500;
/** Defaults mirrored from config/params.ts for when the runtime has no value (unit tests). */
export const DEFAULT_JOB_LEASE_MS = 5 * 60 * 1000;
export const DEFAULT_RUNNER_OFFLINE_AFTER_MS = 2 * 60 * 1000;
export const DEFAULT_RUNNER_DELETE_AFTER_MS = 7 * 24 * 60 * 60 * 1000;
