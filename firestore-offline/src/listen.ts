// The Listen stream behind onSnapshot: document targets and query targets.
//
// Each target keeps the result it last sent (names → update times). After every change to the
// store, every target is evaluated again and only the difference is sent: document_change for
// new or changed documents, document_delete for deleted ones, document_remove for documents
// that no longer match; then one global NO_CHANGE carrying the read time, which is what makes
// the SDK raise a snapshot. A new target gets ADD, its documents, CURRENT, then NO_CHANGE.
//
// A quiet stream still hears from the server: every heartbeatMs, a stream with targets gets a
// global NO_CHANGE at the current read time, as Firestore's backend keeps its listen streams
// alive. Without it the SDK resets every stream that heard nothing for 2 minutes
// (WATCH_IDLE_TIMEOUT_MS in @google-cloud/firestore's watch.ts) and re-adds its targets with a
// resume token; each re-added target here costs a listen and at least one read, so idle
// listeners would bill reads every 2 minutes that production never bills.

import type { ListenRequest, TargetMsg } from "./proto";
import { checkQuery, runQuery } from "./query";
import { assertDocumentName, assertParentName, toWireDocument, type DocumentStore, type StoredDocument } from "./store";
import { invalidArgument, toStatus } from "./errors";
import { nanosToTimestamp } from "./values";

interface Target {
  id: number;
  evaluate: () => StoredDocument[];
  /** What the client currently holds: name → update time. */
  sent: Map<string, bigint>;
}

export interface ListenHooks {
  /** Billing: documents delivered. */
  countReads(n: number): void;
  /** A target was added. */
  countListen(): void;
}

type Send = (response: object) => void;

/** Half the SDK's 2-minute idle timeout. */
export const DEFAULT_LISTEN_HEARTBEAT_MS = 60_000;

export class ListenHub {
  private readonly streams = new Set<ListenStream>();
  private readonly heartbeat: NodeJS.Timeout;

  constructor(
    private readonly store: DocumentStore,
    private readonly hooks: ListenHooks,
    heartbeatMs = DEFAULT_LISTEN_HEARTBEAT_MS,
  ) {
    this.heartbeat = setInterval(() => {
      for (const stream of this.streams) stream.keepAlive();
    }, heartbeatMs);
    this.heartbeat.unref();
  }

  /** Stops the heartbeat (the server is stopping). */
  stop(): void {
    clearInterval(this.heartbeat);
  }

  open(send: Send): ListenStream {
    const stream = new ListenStream(this.store, this.hooks, send, () => this.streams.delete(stream));
    this.streams.add(stream);
    return stream;
  }

  /** Pushes the effect of a commit (or clear) to every open stream. */
  notify(): void {
    for (const stream of this.streams) stream.refresh();
  }

  get size(): number {
    return this.streams.size;
  }
}

export class ListenStream {
  private readonly targets = new Map<number, Target>();
  private closed = false;

  constructor(
    private readonly store: DocumentStore,
    private readonly hooks: ListenHooks,
    private readonly send: Send,
    private readonly onClose: () => void,
  ) {}

  handle(request: ListenRequest): void {
    if (this.closed) return;
    if (request.addTarget !== undefined) this.add(request.addTarget);
    if (request.removeTarget !== undefined && this.targets.delete(request.removeTarget)) {
      this.send({ targetChange: { targetChangeType: "REMOVE", targetIds: [request.removeTarget] } });
    }
  }

  close(): void {
    this.closed = true;
    this.targets.clear();
    this.onClose();
  }

  /** The heartbeat: a NO_CHANGE at the current read time, which bills nothing and changes nothing. */
  keepAlive(): void {
    if (!this.closed && this.targets.size > 0) this.sendGlobalNoChange();
  }

  /** Sends what changed for each target since the last refresh. */
  refresh(): void {
    if (this.closed) return;
    let changed = false;
    for (const target of this.targets.values()) changed = this.sync(target) || changed;
    if (changed) this.sendGlobalNoChange();
  }

  private add(msg: TargetMsg): void {
    const id = msg.targetId ?? 0;
    let target: Target;
    try {
      target = { id, evaluate: evaluator(this.store, msg), sent: new Map() };
    } catch (err) {
      const { code, details } = toStatus(err);
      this.send({ targetChange: { targetChangeType: "REMOVE", targetIds: [id], cause: { code, message: details } } });
      return;
    }
    this.targets.set(id, target);
    this.hooks.countListen();
    this.send({ targetChange: { targetChangeType: "ADD", targetIds: [id] } });
    // A resumed target starts over: RESET tells the client to drop what it holds.
    if (msg.resumeToken !== undefined || msg.readTime !== undefined) {
      this.send({ targetChange: { targetChangeType: "RESET", targetIds: [id] } });
    }
    const delivered = this.sync(target);
    if (!delivered) this.hooks.countReads(1);
    this.send({ targetChange: { targetChangeType: "CURRENT", targetIds: [id], resumeToken: this.resumeToken() } });
    this.sendGlobalNoChange();
  }

  /** Sends the difference between what the target matches now and what was sent; true if any. */
  private sync(target: Target): boolean {
    const now = new Map(target.evaluate().map((doc) => [doc.name, doc]));
    let changes = 0;
    for (const [name, doc] of now) {
      if (target.sent.get(name) === doc.updateTime) continue;
      target.sent.set(name, doc.updateTime);
      this.send({ documentChange: { document: toWireDocument(doc), targetIds: [target.id], removedTargetIds: [] } });
      this.hooks.countReads(1);
      changes++;
    }
    for (const name of [...target.sent.keys()]) {
      if (now.has(name)) continue;
      target.sent.delete(name);
      const readTime = nanosToTimestamp(this.store.clock.now());
      if (this.store.get(name) === undefined) {
        this.send({ documentDelete: { document: name, removedTargetIds: [target.id], readTime } });
      } else {
        this.send({ documentRemove: { document: name, removedTargetIds: [target.id], readTime } });
        this.hooks.countReads(1);
      }
      changes++;
    }
    return changes > 0;
  }

  private sendGlobalNoChange(): void {
    const readTime = this.store.clock.now();
    this.send({
      targetChange: {
        targetChangeType: "NO_CHANGE",
        targetIds: [],
        readTime: nanosToTimestamp(readTime),
        resumeToken: this.resumeToken(readTime),
      },
    });
  }

  /** Opaque to clients; encodes the read time. */
  private resumeToken(readTime = this.store.clock.now()): Buffer {
    const token = Buffer.alloc(8);
    token.writeBigInt64BE(readTime);
    return token;
  }
}

function evaluator(store: DocumentStore, msg: TargetMsg): () => StoredDocument[] {
  if (msg.documents !== undefined) {
    const names = msg.documents.documents;
    names.forEach(assertDocumentName);
    return () => names.map((name) => store.get(name)).filter((d): d is StoredDocument => d !== undefined);
  }
  const query = msg.query?.structuredQuery;
  const parent = msg.query?.parent;
  if (query === undefined || parent === undefined) throw invalidArgument("A listen target needs documents or a query.");
  assertParentName(parent);
  checkQuery(store, parent, query); // validate once, so errors surface as REMOVE now
  return () => runQuery(store, parent, query);
}
