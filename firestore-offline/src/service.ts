// The google.firestore.v1.Firestore gRPC service.
//
// Every handler runs synchronously from request to response (Listen aside), and Node runs one
// handler at a time, so a Commit's validation and application cannot interleave with any other
// operation: that is what makes commits atomic and transactions serializable here.

import { randomBytes } from "node:crypto";
import {
  status,
  type ServerDuplexStream,
  type ServerUnaryCall,
  type ServerWritableStream,
  type UntypedServiceImplementation,
  type sendUnaryData,
} from "@grpc/grpc-js";
import { RpcError, invalidArgument, toStatus } from "./errors";
import type { ListenHub } from "./listen";
import type {
  BatchGetDocumentsRequest,
  BatchWriteRequest,
  BeginTransactionRequest,
  CommitRequest,
  ConsistencyMsg,
  CreateDocumentRequest,
  DeleteDocumentRequest,
  DocumentMaskMsg,
  GetDocumentRequest,
  ListCollectionIdsRequest,
  ListDocumentsRequest,
  ListenRequest,
  RollbackRequest,
  RunAggregationQueryRequest,
  RunQueryRequest,
  UpdateDocumentRequest,
  WriteMsg,
} from "./proto";
import { encodedSize } from "./proto";
import { assertRequestSize, assertWritable } from "./limits";
import { aggregate, project, queryProjection, runQuery } from "./query";
import { billedAggregationReads, billedReads, type Stats } from "./stats";
import {
  assertDocumentName,
  assertParentName,
  collectionOf,
  splitName,
  toWireDocument,
  type DocumentStore,
  type StoredDocument,
  type WireDocument,
} from "./store";
import type { Transaction, TransactionManager } from "./transactions";
import { compareNames, compareUtf8, nanosToTimestamp, parseFieldPath, timestampToNanos } from "./values";
import { applyWrite, writeTarget, type WriteResult } from "./writes";

/** Refusals of a commit whose precondition did not hold (counted as `commitsRefused`). */
const REFUSED_PRECONDITIONS: ReadonlySet<status> = new Set([
  status.FAILED_PRECONDITION,
  status.NOT_FOUND,
  status.ALREADY_EXISTS,
]);

export interface Database {
  store: DocumentStore;
  transactions: TransactionManager;
  listeners: ListenHub;
  stats: Stats;
}

/** Where a read looks: the latest state (recorded in a read-write transaction) or a snapshot. */
interface ReadContext {
  readTime: bigint | undefined;
  transaction: Transaction | undefined;
  /** Set when this read began the transaction; returned to the client. */
  begunId: Buffer | undefined;
}

const AUTO_ID_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

export function createService(db: Database): UntypedServiceImplementation {
  const { store, transactions, listeners, stats } = db;

  function readContext(request: ConsistencyMsg): ReadContext {
    let transaction: Transaction | undefined;
    let begunId: Buffer | undefined;
    if (request.transaction !== undefined && request.transaction.length > 0) {
      transaction = transactions.lookup(request.transaction);
    } else if (request.newTransaction !== undefined) {
      transaction = transactions.begin(request.newTransaction);
      begunId = transaction.id;
    } else if (request.readTime !== undefined) {
      const readTime = timestampToNanos(request.readTime);
      store.assertReadable(readTime);
      return { readTime, transaction: undefined, begunId: undefined };
    }
    return { readTime: transaction?.readTime, transaction, begunId };
  }

  const responseTime = (ctx: ReadContext) => nanosToTimestamp(ctx.readTime ?? store.clock.now());

  function readDocument(ctx: ReadContext, name: string): StoredDocument | undefined {
    assertDocumentName(name);
    const doc = store.get(name, ctx.readTime);
    if (ctx.transaction !== undefined) transactions.recordDocument(ctx.transaction, name, doc);
    return doc;
  }

  function query(ctx: ReadContext, parent: string | undefined, structured: RunQueryRequest["structuredQuery"]) {
    if (parent === undefined || structured === undefined)
      throw invalidArgument("parent and structured_query are required.");
    assertParentName(parent);
    const run = (readTime?: bigint) => runQuery(store, parent, structured, readTime);
    const docs = run(ctx.readTime);
    if (ctx.transaction !== undefined) transactions.recordQuery(ctx.transaction, docs, () => run());
    stats.queries++;
    return docs;
  }

  /**
   * Validates and applies writes as one unit: every write is applied to a scratch copy first,
   * so a failing precondition anywhere leaves the store untouched.
   */
  function commitWrites(writes: readonly WriteMsg[]): {
    results: WriteResult[];
    commitTime: bigint;
    docs: (StoredDocument | undefined)[];
  } {
    const commitTime = store.clock.next();
    const scratch = new Map<string, StoredDocument | undefined>();
    const results: WriteResult[] = [];
    const docs: (StoredDocument | undefined)[] = [];
    for (const write of writes) {
      const name = writeTarget(write);
      const before = scratch.has(name) ? scratch.get(name) : store.get(name);
      const outcome = applyWrite(before, write, commitTime);
      if (outcome.doc !== undefined && outcome.doc !== before) assertWritable(outcome.doc);
      scratch.set(name, outcome.doc);
      results.push(outcome.result);
      docs.push(outcome.doc);
    }
    const changes = new Map([...scratch].filter(([name, doc]) => doc !== store.get(name)));
    store.commit(changes, commitTime);
    for (const write of writes) {
      if (write.delete !== undefined) stats.documentDeletes++;
      else stats.documentWrites++;
    }
    if (changes.size > 0) listeners.notify();
    return { results, commitTime, docs };
  }

  function masked(doc: StoredDocument, mask: DocumentMaskMsg | undefined): WireDocument {
    return toWireDocument(mask === undefined ? doc : project(doc, mask.fieldPaths.map(parseFieldPath)));
  }

  return {
    GetDocument: unary((request: GetDocumentRequest) => {
      const ctx = readContext(request);
      const name = request.name ?? "";
      const doc = readDocument(ctx, name);
      stats.documentReads++;
      if (doc === undefined) throw new RpcError(status.NOT_FOUND, `Document ${name} not found.`);
      return masked(doc, request.mask);
    }),

    BatchGetDocuments: serverStream((request: BatchGetDocumentsRequest, send) => {
      const ctx = readContext(request);
      if (ctx.begunId !== undefined) send({ transaction: ctx.begunId });
      for (const name of request.documents) {
        const doc = readDocument(ctx, name);
        stats.documentReads++;
        const readTime = responseTime(ctx);
        send(doc === undefined ? { missing: name, readTime } : { found: masked(doc, request.mask), readTime });
      }
    }),

    BeginTransaction: unary((request: BeginTransactionRequest) => ({
      transaction: transactions.begin(request.options).id,
    })),

    Commit: unary((request: CommitRequest) => {
      const id = request.transaction;
      const transaction = id !== undefined && id.length > 0 ? transactions.lookup(id) : undefined;
      try {
        if (transaction !== undefined) transactions.validate(transaction, request.writes.length);
        const { results, commitTime } = commitWrites(request.writes);
        stats.commits++;
        return { writeResults: results, commitTime: nanosToTimestamp(commitTime) };
      } catch (error) {
        if (transaction === undefined && error instanceof RpcError && REFUSED_PRECONDITIONS.has(error.code))
          stats.commitsRefused++;
        throw error;
      } finally {
        if (transaction !== undefined) transactions.end(transaction.id);
      }
    }),

    Rollback: unary((request: RollbackRequest) => {
      if (request.transaction !== undefined && transactions.end(request.transaction)) stats.rollbacks++;
      return {};
    }),

    RunQuery: serverStream((request: RunQueryRequest, send) => {
      rejectExplain(request.explainOptions);
      const ctx = readContext(request);
      const docs = query(ctx, request.parent, request.structuredQuery);
      stats.documentReads += billedReads(docs.length);
      const readTime = responseTime(ctx);
      if (ctx.begunId !== undefined || docs.length === 0) send({ transaction: ctx.begunId, readTime });
      const projection = request.structuredQuery === undefined ? undefined : queryProjection(request.structuredQuery);
      for (const doc of docs) send({ document: toWireDocument(project(doc, projection)), readTime });
    }),

    RunAggregationQuery: serverStream((request: RunAggregationQueryRequest, send) => {
      rejectExplain(request.explainOptions);
      const ctx = readContext(request);
      const aggregation = request.structuredAggregationQuery;
      const docs = query(ctx, request.parent, aggregation?.structuredQuery);
      stats.documentReads += billedAggregationReads(docs.length);
      send({
        result: { aggregateFields: aggregate(docs, aggregation?.aggregations ?? []) },
        transaction: ctx.begunId,
        readTime: responseTime(ctx),
      });
    }),

    Listen: (call: ServerDuplexStream<ListenRequest, object>) => {
      const stream = listeners.open((response) => {
        if (!call.writableEnded && !call.destroyed) call.write(response);
      });
      const close = () => stream.close();
      call.on("data", (request: ListenRequest) => stream.handle(request));
      call.on("end", () => {
        close();
        call.end();
      });
      call.on("cancelled", close);
      call.on("error", close);
      call.on("close", close);
    },

    ListCollectionIds: unary((request: ListCollectionIdsRequest) => {
      const parent = request.parent ?? "";
      assertParentName(parent);
      const readTime = request.readTime === undefined ? undefined : timestampToNanos(request.readTime);
      const depth = splitName(parent).segments.length;
      const ids = new Set<string>();
      for (const doc of store.all(readTime)) {
        if (!doc.name.startsWith(`${parent}/`)) continue;
        const id = splitName(doc.name).segments[depth];
        if (id !== undefined) ids.add(id);
      }
      const sorted = [...ids].sort(compareUtf8);
      stats.documentReads += 1;
      return page(
        sorted,
        request.pageSize,
        request.pageToken,
        (id) => id,
        compareUtf8,
        (collectionIds, nextPageToken) => ({
          collectionIds,
          nextPageToken,
        }),
      );
    }),

    ListDocuments: unary((request: ListDocumentsRequest) => {
      const parent = request.parent ?? "";
      assertParentName(parent);
      const collection = `${parent}/${request.collectionId ?? ""}`;
      const ctx = readContext(request);
      const found = new Map<string, WireDocument>();
      for (const doc of store.all(ctx.readTime)) {
        if (collectionOf(doc.name) === collection) {
          found.set(doc.name, masked(doc, request.mask));
        } else if (request.showMissing === true && doc.name.startsWith(`${collection}/`)) {
          // A "missing" document: absent itself but with documents below it.
          const id = doc.name.slice(collection.length + 1).split("/")[0] ?? "";
          const name = `${collection}/${id}`;
          if (!found.has(name)) found.set(name, { name, fields: {} });
        }
      }
      const docs = [...found.values()].sort((a, b) => compareNames(a.name, b.name));
      stats.documentReads += billedReads(docs.length);
      return page(
        docs,
        request.pageSize,
        request.pageToken,
        (d) => d.name,
        compareNames,
        (documents, nextPageToken) => ({
          documents,
          nextPageToken,
        }),
      );
    }),

    BatchWrite: unary((request: BatchWriteRequest) => {
      const names = request.writes.map(writeTarget);
      if (new Set(names).size !== names.length)
        throw invalidArgument("A BatchWrite cannot write the same document twice.");
      stats.batchWrites++;
      const writeResults: WriteResult[] = [];
      const statuses: { code: number; message: string }[] = [];
      // Each write stands alone: its own commit time, its own success or failure.
      for (const write of request.writes) {
        try {
          writeResults.push(...commitWrites([write]).results);
          statuses.push({ code: status.OK, message: "" });
        } catch (err) {
          const { code, details } = toStatus(err);
          writeResults.push({ transformResults: [] });
          statuses.push({ code, message: details });
        }
      }
      return { writeResults, status: statuses };
    }),

    CreateDocument: unary((request: CreateDocumentRequest) => {
      const id = request.documentId !== undefined && request.documentId !== "" ? request.documentId : autoId();
      const name = `${request.parent ?? ""}/${request.collectionId ?? ""}/${id}`;
      const fields = request.document?.fields ?? {};
      const { docs } = commitWrites([
        { update: { name, fields }, updateTransforms: [], currentDocument: { exists: false } },
      ]);
      return existing(docs[0], request.mask);
    }),

    UpdateDocument: unary((request: UpdateDocumentRequest) => {
      if (request.document === undefined) throw invalidArgument("document is required.");
      const write: WriteMsg = {
        update: request.document,
        updateMask: request.updateMask,
        updateTransforms: [],
        currentDocument: request.currentDocument,
      };
      const { docs } = commitWrites([write]);
      return existing(docs[0], request.mask);
    }),

    DeleteDocument: unary((request: DeleteDocumentRequest) => {
      commitWrites([{ delete: request.name ?? "", updateTransforms: [], currentDocument: request.currentDocument }]);
      return {};
    }),

    PartitionQuery: unary(() => {
      throw new RpcError(status.UNIMPLEMENTED, "PartitionQuery is not supported by firestore-offline.");
    }),

    Write: (call: ServerDuplexStream<object, object>) => {
      call.emit("error", {
        code: status.UNIMPLEMENTED,
        details: "The Write stream is not supported by firestore-offline.",
      });
    },
  };

  function existing(doc: StoredDocument | undefined, mask: DocumentMaskMsg | undefined): WireDocument {
    if (doc === undefined) throw new RpcError(status.INTERNAL, "Written document is missing.");
    return masked(doc, mask);
  }
}

function rejectExplain(explainOptions: object | undefined): void {
  if (explainOptions !== undefined)
    throw new RpcError(status.UNIMPLEMENTED, "Query explain is not supported by firestore-offline.");
}

function autoId(): string {
  return [...randomBytes(20)].map((b) => AUTO_ID_CHARS.charAt(b % AUTO_ID_CHARS.length)).join("");
}

/** A page token is the key of the last item returned; the next page starts after it. */
function page<T, R>(
  items: T[],
  pageSize: number | undefined,
  pageToken: string | undefined,
  key: (item: T) => string,
  compare: (a: string, b: string) => number,
  build: (items: T[], nextPageToken: string) => R,
): R {
  const start =
    pageToken === undefined || pageToken === "" ? 0 : items.filter((item) => compare(key(item), pageToken) <= 0).length;
  const size = pageSize === undefined || pageSize <= 0 ? items.length : pageSize;
  const slice = items.slice(start, start + size);
  const last = slice.at(-1);
  const more = start + size < items.length && last !== undefined;
  return build(slice, more ? key(last) : "");
}

function unary<Req, Res>(handle: (request: Req) => Res) {
  return (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>): void => {
    let response: Res;
    try {
      assertRequestSize(encodedSize(call.request));
      response = handle(call.request);
    } catch (err) {
      callback(toStatus(err), null);
      return;
    }
    callback(null, response);
  };
}

function serverStream<Req>(handle: (request: Req, send: (response: object) => void) => void) {
  return (call: ServerWritableStream<Req, object>): void => {
    try {
      assertRequestSize(encodedSize(call.request));
      handle(call.request, (response) => call.write(response));
      call.end();
    } catch (err) {
      call.emit("error", toStatus(err));
    }
  };
}
