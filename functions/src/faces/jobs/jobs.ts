import { z } from "zod";
import { intParam, JOB_LEASE_MS } from "../../config/params";
import { createJob as create } from "../../core/jobsApi/createJob";
import { DEFAULT_LIST_LIMIT, listJobs as list, MAX_LIST_LIMIT } from "../../core/jobsApi/listJobs";
import { DEFAULT_JOB_LEASE_MS } from "../../core/jobsApi/model";
import { readJobSnapshot } from "../../core/jobsApi/readJob";
import type { JobStatus } from "../../core/jobs/model";
import { assert, InvalidArgument } from "../../http/errors";
import { ownerFor } from "../../core/teams/owner";
import { endpoint } from "../../http/route";
import { JOBS_READ, JOBS_WRITE } from "./auth";
import { createJobBody, createJobHeaders, jobParams } from "./schemas";

/** Largest create body: params and children's params together. */
export const MAX_CREATE_BYTES = 256 * 1024;

const STATUSES = [
  "PENDING",
  "LEASED",
  "RUNNING",
  "PAUSED",
  "SUCCEEDED",
  "FAILED",
  "CANCELLED",
] as const satisfies readonly JobStatus[];
/** `in` takes at most this many values, and there are no more statuses than this. */
const MAX_STATUS_FILTER = STATUSES.length;

/**
 * `POST /jobs` `{ type, workflowPath, params, tags?, priority?, children?, idempotencyKey?, delayMs?,
 * runAt?, maxAttempts?, backoffMs?, backoffMaxMs?, timeoutMs? }`
 * (key also as `Idempotency-Key`) → 201 with the job snapshot; a retry with the same key and body
 * → 200 with the same job and `Idempotent-Replayed: true`; same key, other body → 409.
 */
export const createJob = endpoint({
  face: "jobs",
  method: "POST",
  path: "/jobs",
  auth: JOBS_WRITE,
  maxBodyBytes: MAX_CREATE_BYTES,
  body: createJobBody,
  headers: createJobHeaders,
  handler: async ({ principal, body, headers, now }) => {
    const { idempotencyKey: fromBody, ...input } = body;
    const fromHeader = headers["idempotency-key"];
    assert(
      fromBody === undefined || fromHeader === undefined || fromBody === fromHeader,
      new InvalidArgument(
        "IDEMPOTENCY_KEY_MISMATCH",
        "The Idempotency-Key header and the idempotencyKey field differ.",
      ),
    );
    const { id, created } = await create(
      ownerFor(principal),
      input,
      fromBody ?? fromHeader ?? null,
      intParam(JOB_LEASE_MS, DEFAULT_JOB_LEASE_MS),
      now,
    );
    const replyHeaders: Record<string, string> = { location: `/jobs/${id}` };
    if (!created) replyHeaders["idempotent-replayed"] = "true";
    return {
      status: created ? 201 : 200,
      headers: replyHeaders,
      body: await readJobSnapshot(principal.teamId, id),
    };
  },
});

/** `GET /jobs?status=&type=&limit=&cursor=` → `{ jobs, nextCursor }`, newest first. */
export const listJobs = endpoint({
  face: "jobs",
  method: "GET",
  path: "/jobs",
  auth: JOBS_READ,
  query: z.object({
    /** One status, or several separated by commas. */
    status: z
      .string()
      .transform((s) => [...new Set(s.split(",").map((x) => x.trim()))])
      .pipe(z.array(z.enum(STATUSES)).min(1).max(MAX_STATUS_FILTER))
      .optional(),
    type: z.string().min(1).max(100).optional(),
    limit: z.coerce.number().int().min(1).max(MAX_LIST_LIMIT).default(DEFAULT_LIST_LIMIT),
    cursor: z.string().min(1).max(500).optional(),
  }),
  handler: async ({ principal, query }) => ({
    body: await list(principal.teamId, {
      statuses: query.status,
      type: query.type,
      limit: query.limit,
      cursor: query.cursor,
    }),
  }),
});

/** `GET /jobs/:jobId` → the full snapshot; another owner's job is 404. */
export const getJob = endpoint({
  face: "jobs",
  method: "GET",
  path: "/jobs/:jobId",
  auth: JOBS_READ,
  params: jobParams,
  handler: async ({ principal, params }) => ({ body: await readJobSnapshot(principal.teamId, params.jobId) }),
});
