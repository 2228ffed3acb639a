// Transactions with optimistic concurrency.
//
// Production Firestore (server SDKs) locks what a transaction reads; this emulator instead
// records what it read and re-checks at Commit. Either way a transaction commits only if what
// it read is still current, so claim/lease code sees the same outcomes: exactly one of several
// racing claimers commits, and the others get ABORTED, which the SDK answers by retrying.
//
// Read-write transactions read the latest state and record every document (with its update
// time, or its absence) and every query (with its result set: names + update times). Commit
// re-reads all of them; any difference aborts the transaction. Read-only transactions read a
// consistent snapshot at their read time and record nothing.
//
// Ids of unknown, finished or expired transactions are answered with ABORTED ("has expired or
// is no longer valid") so the SDK's runTransaction retries with a fresh transaction.

import { randomBytes } from "node:crypto";
import { aborted, invalidArgument } from "./errors";
import type { TransactionOptionsMsg } from "./proto";
import type { AbortReason } from "./stats";
import type { DocumentStore, StoredDocument } from "./store";
import { timestampToNanos } from "./values";

export const DEFAULT_TRANSACTION_IDLE_MS = 60_000;
/** Production's cap on a transaction's whole life, however busy it is. */
export const DEFAULT_TRANSACTION_LIFETIME_MS = 270_000;

/**
 * Production's answer to an expired or unknown transaction id. The SDK retries exactly this
 * INVALID_ARGUMENT (it matches "transaction has expired"), with a fresh transaction.
 */
export const EXPIRED_MESSAGE = "The referenced transaction has expired or is no longer valid.";

export interface Transaction {
  id: Buffer;
  readOnly: boolean;
  /** Read-only: the snapshot every read uses. */
  readTime: bigint | undefined;
  /** Read-write: each document read → update time seen (undefined: absent). */
  documents: Map<string, bigint | undefined>;
  /** Read-write: each query read, with a way to compute its result set again. */
  queries: { fingerprint: string; rerun: () => string }[];
  /** Set when one document was seen at two versions within the transaction. */
  inconsistentRead: string | undefined;
  /** performance.now() of the last operation, for idle expiry. */
  lastActive: number;
  /** performance.now() at begin, for the lifetime cap. */
  begunAt: number;
}

/** Identifies a query result: which documents, at which versions. */
export function fingerprint(docs: readonly StoredDocument[]): string {
  return docs.map((d) => `${d.name}@${d.updateTime}`).join("\n");
}

export class TransactionManager {
  private readonly active = new Map<string, Transaction>();

  constructor(
    private readonly store: DocumentStore,
    private readonly limits: { idleMs: number; lifetimeMs: number },
    private readonly onBegin: () => void,
    private readonly onAbort: (reason: AbortReason) => void,
  ) {}

  begin(options: TransactionOptionsMsg | undefined): Transaction {
    this.dropExpired();
    const readOnly = options?.readOnly !== undefined;
    let readTime: bigint | undefined;
    if (options?.readOnly !== undefined) {
      readTime =
        options.readOnly.readTime === undefined ? this.store.clock.now() : timestampToNanos(options.readOnly.readTime);
      this.store.assertReadable(readTime);
    }
    // A retry supersedes the attempt it retries.
    const retried = options?.readWrite?.retryTransaction;
    if (retried !== undefined && retried.length > 0) this.active.delete(retried.toString("hex"));

    const tx: Transaction = {
      id: randomBytes(16),
      readOnly,
      readTime,
      documents: new Map(),
      queries: [],
      inconsistentRead: undefined,
      lastActive: performance.now(),
      begunAt: performance.now(),
    };
    this.active.set(tx.id.toString("hex"), tx);
    this.onBegin();
    return tx;
  }

  /**
   * The live transaction with this id; INVALID_ARGUMENT "has expired" if it is unknown,
   * finished, idle too long or past its lifetime.
   */
  lookup(id: Buffer): Transaction {
    const key = id.toString("hex");
    const tx = this.active.get(key);
    if (tx !== undefined && !this.expired(tx, performance.now())) {
      tx.lastActive = performance.now();
      return tx;
    }
    this.active.delete(key);
    this.onAbort("expired");
    throw invalidArgument(EXPIRED_MESSAGE);
  }

  private expired(tx: Transaction, now: number): boolean {
    return now - tx.lastActive > this.limits.idleMs || now - tx.begunAt > this.limits.lifetimeMs;
  }

  recordDocument(tx: Transaction, name: string, doc: StoredDocument | undefined): void {
    if (tx.readOnly) return;
    const seen = doc?.updateTime;
    if (tx.documents.has(name) && tx.documents.get(name) !== seen) tx.inconsistentRead = name;
    tx.documents.set(name, seen);
  }

  recordQuery(tx: Transaction, docs: readonly StoredDocument[], rerun: () => readonly StoredDocument[]): void {
    if (tx.readOnly) return;
    for (const doc of docs) this.recordDocument(tx, doc.name, doc);
    tx.queries.push({ fingerprint: fingerprint(docs), rerun: () => fingerprint(rerun()) });
  }

  /** Throws ABORTED unless everything the transaction read is still current. */
  validate(tx: Transaction, writeCount: number): void {
    if (tx.readOnly) {
      if (writeCount > 0) throw invalidArgument("Cannot modify entities in a read-only transaction.");
      return;
    }
    const changed =
      tx.inconsistentRead ?? [...tx.documents].find(([name, seen]) => this.store.get(name)?.updateTime !== seen)?.[0];
    if (changed !== undefined) {
      this.onAbort("documentChanged");
      throw aborted(`Transaction aborted: ${changed} changed after it was read (concurrent modification).`);
    }
    if (tx.queries.some((q) => q.rerun() !== q.fingerprint)) {
      this.onAbort("queryChanged");
      throw aborted("Transaction aborted: the result of a query it ran changed after it was read.");
    }
  }

  /** Forgets a transaction (after commit or rollback). Returns whether it was live. */
  end(id: Buffer): boolean {
    return this.active.delete(id.toString("hex"));
  }

  private dropExpired(): void {
    const now = performance.now();
    for (const [key, tx] of this.active) {
      if (this.expired(tx, now)) this.active.delete(key);
    }
  }
}
