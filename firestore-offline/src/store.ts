// The in-memory database: document versions keyed by full resource name, and the clock that
// stamps commits.
//
// Every commit appends a version (or a tombstone) per changed document, so reads can be served
// at a past read time (read-only transactions, `read_time` reads). Versions older than the
// retention window are pruned, keeping the one still visible at the window's start.

import { status } from "@grpc/grpc-js";
import { RpcError, invalidArgument } from "./errors";
import type { IndexConfig } from "./index-config";
import type { JournalSink } from "./journal";
import { IndexSet } from "./index-store";
import { nanosToTimestamp, type Fields, type Timestamp } from "./values";

export interface StoredDocument {
  /** projects/{p}/databases/{d}/documents/{collection}/{id}[/...] */
  name: string;
  fields: Fields;
  /** Commit time (ns since epoch) of the write that created the document. */
  createTime: bigint;
  /** Commit time of the last write that changed the document. */
  updateTime: bigint;
}

/** A document as sent on the wire (google.firestore.v1.Document). */
export interface WireDocument {
  name: string;
  fields: Fields;
  createTime?: Timestamp;
  updateTime?: Timestamp;
}

export function toWireDocument(doc: StoredDocument): WireDocument {
  return {
    name: doc.name,
    fields: doc.fields,
    createTime: nanosToTimestamp(doc.createTime),
    updateTime: nanosToTimestamp(doc.updateTime),
  };
}

interface Version {
  time: bigint;
  /** undefined: the document was deleted at `time`. */
  doc: StoredDocument | undefined;
}

/** How far back reads may go, like production's default version retention. */
export const VERSION_RETENTION_NS = 60n * 60n * 1_000_000_000n;
const FULL_PRUNE_EVERY_COMMITS = 1000;
const MICROS = 1000n;

/**
 * Commit times: wall-clock time at microsecond precision, bumped by 1 µs whenever needed so
 * every commit gets a unique, strictly increasing time (update times then identify versions,
 * which is what `lastUpdateTime` preconditions and transaction validation rely on). A commit
 * is also later than every read time handed out before it, so a snapshot at a read time never
 * changes afterwards.
 */
export class Clock {
  /** The latest commit or read time issued. */
  private last = 0n;
  private readonly origin = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint();

  private wall(): bigint {
    const now = this.origin + process.hrtime.bigint();
    return now - (now % MICROS);
  }

  /** A fresh commit time. */
  next(): bigint {
    this.last = maxBig(this.wall(), this.last + MICROS);
    return this.last;
  }

  /** A read time that observes every commit made so far. */
  now(): bigint {
    this.last = maxBig(this.wall(), this.last);
    return this.last;
  }

  /** Makes later commit times exceed `time` (used after importing stored versions). */
  advancePast(time: bigint): void {
    this.last = maxBig(this.last, time);
  }
}

const maxBig = (a: bigint, b: bigint): bigint => (a > b ? a : b);

export class DocumentStore {
  private readonly history = new Map<string, Version[]>();
  private commitsSincePrune = 0;
  /** Sorted indexes over the latest documents, kept current by commit / clear / load. */
  readonly indexes: IndexSet;
  /** Where commits and clears are written before they are applied (journal.ts); none in memory only. */
  journal: JournalSink | undefined;

  /** `indexConfig`: the project's declared indexes, enforced on queries; undefined: any query runs. */
  constructor(
    readonly clock: Clock,
    readonly indexConfig?: IndexConfig,
  ) {
    this.indexes = new IndexSet(() => this.all());
  }

  /** The document as of `readTime` (default: latest). */
  get(name: string, readTime?: bigint): StoredDocument | undefined {
    return visible(this.history.get(name), readTime);
  }

  /** Every document that exists as of `readTime`, in no particular order. */
  *all(readTime?: bigint): Generator<StoredDocument> {
    for (const versions of this.history.values()) {
      const doc = visible(versions, readTime);
      if (doc !== undefined) yield doc;
    }
  }

  /** Rejects read times that fall outside the retained history. */
  assertReadable(readTime: bigint): void {
    if (readTime < this.clock.now() - VERSION_RETENTION_NS) {
      throw new RpcError(status.FAILED_PRECONDITION, "read_time is older than the retained version history (1 hour).");
    }
  }

  /** Applies the final state of each changed document at one commit time. */
  commit(changes: ReadonlyMap<string, StoredDocument | undefined>, time: bigint): void {
    if (changes.size > 0) this.journal?.commit(changes, time);
    for (const [name, doc] of changes) {
      const versions = this.history.get(name) ?? [];
      const before = visible(versions, undefined);
      versions.push({ time, doc });
      this.indexes.changed(before, doc);
      this.history.set(name, versions);
      this.prune(name, versions);
    }
    if (++this.commitsSincePrune >= FULL_PRUNE_EVERY_COMMITS) {
      this.commitsSincePrune = 0;
      for (const [name, versions] of this.history) this.prune(name, versions);
    }
  }

  /** Forgets every document (and its history) whose name starts with `prefix`. */
  clear(prefix: string): string[] {
    this.journal?.clear(prefix);
    const removed: string[] = [];
    for (const name of [...this.history.keys()]) {
      if (name.startsWith(prefix)) {
        if (this.get(name) !== undefined) removed.push(name);
        this.history.delete(name);
      }
    }
    this.indexes.reset();
    return removed;
  }

  /** Replaces the whole content (import). */
  load(docs: Iterable<StoredDocument>): void {
    this.history.clear();
    this.indexes.reset();
    for (const doc of docs) {
      this.history.set(doc.name, [{ time: doc.updateTime, doc }]);
      this.clock.advancePast(doc.updateTime);
    }
  }

  private prune(name: string, versions: Version[]): void {
    const cutoff = this.clock.now() - VERSION_RETENTION_NS;
    let firstKept = 0;
    while (firstKept + 1 < versions.length && (versions[firstKept + 1]?.time ?? cutoff) <= cutoff) firstKept++;
    if (firstKept > 0) versions.splice(0, firstKept);
    const [only] = versions;
    if (versions.length === 1 && only !== undefined && only.doc === undefined && only.time <= cutoff) {
      this.history.delete(name);
    }
  }
}

function visible(versions: Version[] | undefined, readTime: bigint | undefined): StoredDocument | undefined {
  if (versions === undefined) return undefined;
  for (let i = versions.length - 1; i >= 0; i--) {
    const version = versions[i];
    if (version !== undefined && (readTime === undefined || version.time <= readTime)) return version.doc;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Resource names

const DATABASE_ROOT = /^projects\/[^/]+\/databases\/[^/]+\/documents/;

/** Splits a document or collection name into its database root and the path segments below it. */
export function splitName(name: string): { root: string; segments: string[] } {
  const root = DATABASE_ROOT.exec(name)?.[0];
  if (root === undefined) throw invalidArgument(`Invalid resource name: ${JSON.stringify(name)}`);
  const rest = name.slice(root.length);
  if (rest !== "" && !rest.startsWith("/")) throw invalidArgument(`Invalid resource name: ${JSON.stringify(name)}`);
  const segments = rest === "" ? [] : rest.slice(1).split("/");
  if (segments.some((s) => s === "")) throw invalidArgument(`Invalid resource name: ${JSON.stringify(name)}`);
  return { root, segments };
}

/** Ids Firestore keeps for itself: collection and document ids may not match `__.*__`. */
const RESERVED_ID = /^__.*__$/;

/**
 * Validates a document name (an even, non-zero number of segments below the root, none of them
 * a reserved id).
 */
export function assertDocumentName(name: string): void {
  const { segments } = splitName(name);
  if (segments.length === 0 || segments.length % 2 !== 0) {
    throw invalidArgument(`Invalid document name: ${JSON.stringify(name)}`);
  }
  const reserved = segments.find((s) => RESERVED_ID.test(s));
  if (reserved !== undefined) throw invalidArgument(`Resource id "${reserved}" is invalid because it is reserved.`);
}

/** A query/list parent: the database root or a document name. */
export function assertParentName(name: string): void {
  if (splitName(name).segments.length % 2 !== 0) throw invalidArgument(`Invalid parent: ${JSON.stringify(name)}`);
}

/** The collection a document belongs to: `.../documents/a/b/c/d` → `.../documents/a/b/c`. */
export function collectionOf(name: string): string {
  return name.slice(0, name.lastIndexOf("/"));
}

/** The id of the collection a document belongs to. */
export function collectionIdOf(name: string): string {
  const collection = collectionOf(name);
  return collection.slice(collection.lastIndexOf("/") + 1);
}
