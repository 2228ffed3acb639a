// firestore-offline: an in-process Firestore emulator speaking the v1 gRPC API (what
// firebase-admin uses through FIRESTORE_EMULATOR_HOST) plus a small HTTP admin API, both on one
// loopback port. See README.md for what it guarantees and what it does not support.

import * as net from "node:net";
import { Server as GrpcServer, ServerCredentials } from "@grpc/grpc-js";
import { createAdminServer } from "./admin-http";
import { loadIndexConfig, type IndexConfig } from "./index-config";
import { ListenHub } from "./listen";
import { Journal } from "./journal";
import { loadFirestoreService } from "./proto";
import { createService, type Database } from "./service";
import { emptyStats, type Stats } from "./stats";
import { Clock, DocumentStore } from "./store";
import { DEFAULT_TRANSACTION_IDLE_MS, DEFAULT_TRANSACTION_LIFETIME_MS, TransactionManager } from "./transactions";

export type { Stats } from "./stats";
export type { IndexConfig } from "./index-config";

/** The only address the emulator binds: it has no authentication, so it never leaves the host. */
export const LOOPBACK = "127.0.0.1";

export interface OfflineFirestoreOptions {
  /** Only loopback is allowed; anything else is refused. */
  host?: typeof LOOPBACK;
  /** 0 picks a free port (returned in the handle). */
  port: number;
  /**
   * Directory holding documents.json and the journal (journal.ts): loaded and replayed at start;
   * every commit is written there before it is acknowledged; compacted into documents.json on
   * stop({ export: true }), exportNow() and when the journal grows.
   */
  dataDir?: string;
  /** Compact the journal once its current generation reaches this many bytes (default 16 MiB). */
  compactAfterBytes?: number;
  /** A transaction with no activity for this long is dropped (default 60 s). */
  transactionIdleMs?: number;
  /** A transaction older than this is dropped however busy it is (default 270 s). */
  transactionLifetimeMs?: number;
  /**
   * The project's index definitions (a firestore.indexes.json path, or its content): queries
   * that need an undeclared composite index are refused as production refuses them. Without
   * it every query runs (as on the official emulator).
   */
  indexes?: string | IndexConfig;
  /** A listen stream with targets hears a NO_CHANGE this often when nothing changes (default 60 s). */
  listenHeartbeatMs?: number;
  /** Benchmarks only: every query scans every document instead of reading an index range. */
  scanEveryQuery?: boolean;
}

export interface OfflineFirestore {
  /** The address actually bound (always loopback). */
  host: typeof LOOPBACK;
  port: number;
  stop(options?: { export?: boolean }): Promise<void>;
  stats(): Stats;
  /** Deletes every document of every project. */
  clear(): void;
  /** Writes the export now; undefined without a dataDir. */
  exportNow(): Promise<string | undefined>;
}

/**
 * gRPC's own cap, above production's 10 MiB request limit: requests between the two are decoded
 * and refused as production refuses them (limits.ts).
 */
const MAX_RECEIVE_BYTES = 16 * 1024 * 1024;

/** The HTTP/2 connection preface every gRPC client starts with. */
const HTTP2_PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");

export async function startOfflineFirestore(options: OfflineFirestoreOptions): Promise<OfflineFirestore> {
  const host: string = options.host ?? LOOPBACK;
  if (host !== LOOPBACK) throw new Error(`firestore-offline only listens on ${LOOPBACK}, not ${host}.`);

  const stats = emptyStats();
  const indexConfig = typeof options.indexes === "string" ? loadIndexConfig(options.indexes) : options.indexes;
  const store = new DocumentStore(new Clock(), indexConfig);
  store.indexes.enabled = options.scanEveryQuery !== true;
  const journal =
    options.dataDir === undefined
      ? undefined
      : (await Journal.open(options.dataDir, store, { compactAfterBytes: options.compactAfterBytes })).journal;
  const transactions = new TransactionManager(
    store,
    {
      idleMs: options.transactionIdleMs ?? DEFAULT_TRANSACTION_IDLE_MS,
      lifetimeMs: options.transactionLifetimeMs ?? DEFAULT_TRANSACTION_LIFETIME_MS,
    },
    () => stats.transactionsBegun++,
    (reason) => {
      stats.transactionsAborted[reason]++;
      stats.transactionsAborted.total++;
    },
  );
  const listeners = new ListenHub(
    store,
    { countReads: (n) => (stats.documentReads += n), countListen: () => stats.listens++ },
    options.listenHeartbeatMs,
  );
  const db: Database = { store, transactions, listeners, stats };

  // Open transactions survive a clear: any that read a cleared document abort at commit.
  const clearPrefix = (prefix: string) => {
    if (store.clear(prefix).length > 0) listeners.notify();
  };
  const exportNow = async () => journal?.compact();

  const grpcServer = new GrpcServer({ "grpc.max_receive_message_length": MAX_RECEIVE_BYTES });
  grpcServer.addService(loadFirestoreService(), createService(db));
  const injector = grpcServer.createConnectionInjector(ServerCredentials.createInsecure());
  const admin = createAdminServer({
    clearDatabase: (project, database) => clearPrefix(`projects/${project}/databases/${database}/documents/`),
    stats: () => structuredClone(stats),
    resetStats: () => Object.assign(stats, emptyStats()),
    exportNow,
  });

  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => socket.destroy());
    routeConnection(socket, (isGrpc) => {
      if (isGrpc) {
        // Node's HTTP/2 session takes over the socket and reads the pushed-back bytes itself.
        injector.injectConnection(socket);
      } else {
        // The HTTP/1 server reads pushed-back bytes from 'data' events once the socket flows.
        admin.emit("connection", socket);
        socket.resume();
      }
    });
  });
  await listen(server, host, options.port);
  const address = server.address();
  if (address === null || typeof address === "string" || address.address !== LOOPBACK) {
    server.close();
    throw new Error(`Unexpected bound address ${JSON.stringify(address)}.`);
  }

  let stopped = false;
  return {
    host: LOOPBACK,
    port: address.port,
    stats: () => structuredClone(stats),
    clear: () => clearPrefix(""),
    exportNow,
    async stop(stopOptions) {
      if (stopped) return;
      stopped = true;
      listeners.stop();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      injector.destroy();
      grpcServer.forceShutdown();
      admin.closeAllConnections();
      for (const socket of sockets) socket.destroy();
      await closed;
      if (stopOptions?.export === true) await exportNow();
      journal?.close();
    },
  };
}

/**
 * Peeks at the first bytes of a connection: the HTTP/2 preface means gRPC, anything else is
 * HTTP/1.1 for the admin API. The bytes read are pushed back before handing the socket over.
 */
function routeConnection(socket: net.Socket, handOver: (isGrpc: boolean) => void): void {
  let seen = Buffer.alloc(0);
  const onData = (chunk: Buffer) => {
    seen = Buffer.concat([seen, chunk]);
    const n = Math.min(seen.length, HTTP2_PREFACE.length);
    const looksGrpc = seen.subarray(0, n).equals(HTTP2_PREFACE.subarray(0, n));
    if (looksGrpc && n < HTTP2_PREFACE.length) return; // undecided: wait for more bytes
    socket.off("data", onData);
    socket.pause();
    socket.unshift(seen);
    handOver(looksGrpc);
  };
  socket.on("data", onData);
}

function listen(server: net.Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      reject(
        err.code === "EADDRINUSE"
          ? new Error(`Port ${port} on ${host} is already in use (is another Firestore emulator running?).`)
          : err,
      );
    };
    server.once("error", onError);
    server.listen({ host, port, exclusive: true }, () => {
      server.off("error", onError);
      resolve();
    });
  });
}
