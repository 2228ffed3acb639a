import { Timestamp } from "firebase-admin/firestore";
import { intParam, RETENTION_DAYS } from "../../config/params";

const DAY_MS = 24 * 60 * 60 * 1000;
const DEFAULT_RETENTION_DAYS = 30;

/**
 * When a finished job, a log line or an artifact may be deleted: Firestore's TTL policies on
 * `expireAt` (firestore.indexes.json `fieldOverrides`) delete documents past it, usually within a
 * day. One retention for everything for now (`RETENTION_DAYS`); per-team retention plugs in here
 * once records carry their team.
 */
export function expireAtFrom(from: Timestamp): Timestamp {
  return Timestamp.fromMillis(from.toMillis() + intParam(RETENTION_DAYS, DEFAULT_RETENTION_DAYS) * DAY_MS);
}
