// Operation counters since start (or the last reset), served at GET /emulator/v1/stats.
//
// documentReads follows Firestore billing: one read per document returned by a get, batch get,
// query or list (a requested document that does not exist counts too); a query, list or
// collection-id listing that returns nothing counts one; an aggregation counts one per batch of
// up to 1000 documents it aggregated (minimum one); a listener counts one per document added to
// or changed in its result (and per document removed because it changed), plus one for an empty
// initial result. Reads made inside transactions count the same way.

export type AbortReason = "documentChanged" | "queryChanged" | "expired";

export interface Stats {
  /** ISO time the counters started from. */
  since: string;
  documentReads: number;
  /** Documents created or updated (a write that changed nothing still counts, as billed). */
  documentWrites: number;
  documentDeletes: number;
  /** RunQuery and RunAggregationQuery calls. */
  queries: number;
  /** Successful Commit calls (transactional or not). */
  commits: number;
  /**
   * Commit calls outside a transaction refused because a precondition did not hold
   * (FAILED_PRECONDITION, NOT_FOUND, ALREADY_EXISTS): nothing billed, but a round trip, e.g. a
   * conditional claim that lost its race.
   */
  commitsRefused: number;
  /** BatchWrite calls (BulkWriter, recursiveDelete). */
  batchWrites: number;
  transactionsBegun: number;
  /** Transactions refused with ABORTED, by reason (`total` is their sum). */
  transactionsAborted: Record<AbortReason | "total", number>;
  rollbacks: number;
  /** Listen targets added. */
  listens: number;
}

export function emptyStats(): Stats {
  return {
    since: new Date().toISOString(),
    documentReads: 0,
    documentWrites: 0,
    documentDeletes: 0,
    queries: 0,
    commits: 0,
    commitsRefused: 0,
    batchWrites: 0,
    transactionsBegun: 0,
    transactionsAborted: { total: 0, documentChanged: 0, queryChanged: 0, expired: 0 },
    rollbacks: 0,
    listens: 0,
  };
}

/** Reads billed for a result of `count` documents: at least one. */
export const billedReads = (count: number): number => Math.max(1, count);

/** Reads billed for an aggregation over `count` documents: one per 1000, at least one. */
export const billedAggregationReads = (count: number): number => Math.max(1, Math.ceil(count / 1000));
