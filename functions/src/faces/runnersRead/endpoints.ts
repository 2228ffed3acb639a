import { z } from "zod";
import { getRunnerBySeq, listAvailableRunners, listRunnersBySeq, listRunnerPods } from "../../core/runners/readRunners";
import { POD_STATUS_NAMES } from "../../core/runners/reviewTask";
import { readRunnerView } from "../../core/runners/runnerViews";
import { endpoint } from "../../http/route";
import { wholeNumber } from "../../http/schemas";

/** Seed 003: a key with `runners:read`, or a signed-in user (their own runners). */
const RUNNERS_READ = { accept: ["user", "apiKey"], scope: "runners:read" } as const;

/** Pods per page when the caller does not say (seed 003), and the most we answer. */
export const DEFAULT_PODS_LIMIT = 50;
export const MAX_PODS_LIMIT = 200;
/** Offsets cost a read per skipped document; past this, narrow with `status` instead. */
export const MAX_PODS_OFFSET = 10_000;

/** Seed 003 runner ids are integers; anything else is 400 before we look. */
const seqParams = z.object({
  id: z
    .string()
    .regex(/^-?\d{1,15}$/, "runner ids are integers")
    .transform(Number),
});

const podsQuery = z.object({
  status: z.enum(POD_STATUS_NAMES).optional(),
  limit: wholeNumber(1, MAX_PODS_LIMIT).optional(),
  offset: wholeNumber(0, MAX_PODS_OFFSET).optional(),
});

/** `GET /runners` → `{runners}`. */
export const listRunners = endpoint({
  face: "runnersRead",
  method: "GET",
  path: "/runners",
  auth: RUNNERS_READ,
  handler: async ({ principal }) => ({
    body: { runners: (await listRunnersBySeq(principal.teamId)).map(readRunnerView) },
  }),
});

/** `GET /runners/available` → `{runners}` online with a free slot. */
export const listAvailable = endpoint({
  face: "runnersRead",
  method: "GET",
  path: "/runners/available",
  auth: RUNNERS_READ,
  handler: async ({ principal }) => ({
    body: { runners: (await listAvailableRunners(principal.teamId)).map(readRunnerView) },
  }),
});

/** `GET /runners/:id` → `{runner}`; non-integer id 400, unknown (or another owner's) 404. */
export const getRunner = endpoint({
  face: "runnersRead",
  method: "GET",
  path: "/runners/:id",
  auth: RUNNERS_READ,
  params: seqParams,
  handler: async ({ principal, params }) => ({
    body: { runner: readRunnerView(await getRunnerBySeq(principal.teamId, params.id)) },
  }),
});

/** `GET /runners/:id/pods?status&limit&offset` → `{pods, total, limit, offset}`, newest first. */
export const listPods = endpoint({
  face: "runnersRead",
  method: "GET",
  path: "/runners/:id/pods",
  auth: RUNNERS_READ,
  params: seqParams,
  query: podsQuery,
  handler: async ({ principal, params, query }) => ({
    body: await listRunnerPods(principal.teamId, params.id, {
      status: query.status ?? null,
      limit: query.limit ?? DEFAULT_PODS_LIMIT,
      offset: query.offset ?? 0,
    }),
  }),
});
