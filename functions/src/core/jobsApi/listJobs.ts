import { Timestamp } from "firebase-admin/firestore";
import { ownedJobsPage } from "../../data/genericJobs";
import { InvalidArgument } from "../../http/errors";
import type { JobStatus } from "../jobs/model";
import { queueOf } from "./model";
import { jobSummary } from "./readJob";

export const DEFAULT_LIST_LIMIT = 50;
export const MAX_LIST_LIMIT = 200;

export interface ListJobsRequest {
  statuses?: JobStatus[];
  type?: string;
  limit: number;
  cursor?: string;
}

interface CursorPosition {
  createdAt: Timestamp;
  id: string;
}

/**
 * The position after the last job of a page: its (createdAt, id), the query's full sort key,
 * so the next page starts exactly after it whatever was created meanwhile. Opaque to callers.
 */
export function encodeCursor(position: CursorPosition): string {
  const { seconds, nanoseconds } = position.createdAt;
  return Buffer.from(JSON.stringify([seconds, nanoseconds, position.id]), "utf8").toString("base64url");
}

export function decodeCursor(cursor: string): CursorPosition {
  const invalid = new InvalidArgument("INVALID_CURSOR", "The cursor is not one this API handed out.");
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw invalid;
  }
  if (!Array.isArray(parsed) || parsed.length !== 3) throw invalid;
  const [seconds, nanos, id] = parsed as unknown[];
  if (
    typeof seconds !== "number" ||
    typeof nanos !== "number" ||
    typeof id !== "string" ||
    !Number.isInteger(seconds) ||
    !Number.isInteger(nanos) ||
    nanos < 0 ||
    nanos > 999_999_999 ||
    !/^[A-Za-z0-9_-]{1,200}$/.test(id)
  ) {
    throw invalid;
  }
  try {
    return { createdAt: new Timestamp(seconds, nanos), id };
  } catch {
    throw invalid;
  }
}

/** One page of the owner's jobs, newest first, with the cursor of the next page (null at the end). */
export async function listJobs(teamId: string, request: ListJobsRequest) {
  const after = request.cursor === undefined ? null : decodeCursor(request.cursor);
  // One extra document tells whether another page exists without a second query.
  const snap = await ownedJobsPage(
    { queue: queueOf(teamId), statuses: request.statuses, type: request.type },
    after,
    request.limit + 1,
  ).get();
  const page = snap.docs.slice(0, request.limit);
  const last = page[page.length - 1];
  const nextCursor =
    snap.docs.length > request.limit && last !== undefined
      ? encodeCursor({ createdAt: last.data().createdAt, id: last.id })
      : null;
  return { jobs: page.map((d) => jobSummary(d.id, d.data())), nextCursor };
}
