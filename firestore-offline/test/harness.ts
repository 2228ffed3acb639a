// Shared fixtures for the conformance suite.
//
// Each spec file starts its own emulator (port 0) and its own firebase-admin app. By default
// the target is firestore-offline, in process. With FIRESTORE_CONFORMANCE_TARGET=upstream the
// same tests run against the unpatched FirestoreServer of @firestore-emulator/server, to show
// what the package as shipped gets wrong (see README.md, "Why not the package as shipped").

import * as assert from "node:assert/strict";
import * as net from "node:net";
import { randomBytes } from "node:crypto";
import { deleteApp, initializeApp, type App } from "firebase-admin/app";
import { getFirestore, type Firestore } from "firebase-admin/firestore";
import { FirestoreServer } from "@firestore-emulator/server";
import { startOfflineFirestore, type OfflineFirestore } from "../src/index";

export const UPSTREAM = process.env.FIRESTORE_CONFORMANCE_TARGET === "upstream";

/**
 * Per-test budget; generous enough for the SDK's transaction backoff (1 s, then 1.5 s, ...) and for
 * its streamed reads: a query or a get refused at once (INVALID_ARGUMENT, FAILED_PRECONDITION) is
 * sent three times by google-gax's stream retries (about 2 s, then 4.5 s apart) before the SDK
 * reports it, about 7 s each, more on a machine busy with other test files in parallel.
 */
export const TEST_TIMEOUT_MS = UPSTREAM ? 8_000 : 30_000;

/** How long a server started as a child process (through tsx) may take to print its ready line on a busy machine. */
export const PROCESS_START_MS = 20_000;

/** gRPC status codes, as the SDK reports them in `err.code`. */
export const Code = {
  INVALID_ARGUMENT: 3,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
} as const;

export interface Target {
  kind: "offline" | "upstream";
  port: number;
  /** For FIRESTORE_EMULATOR_HOST. */
  hostPort: string;
  /** The in-process emulator (undefined for upstream). */
  offline: OfflineFirestore | undefined;
  clear(): void;
  stop(options?: { export?: boolean }): Promise<void>;
}

export type TargetOptions = Omit<Parameters<typeof startOfflineFirestore>[0], "port" | "host">;

export async function startTarget(options: TargetOptions = {}): Promise<Target> {
  if (UPSTREAM) {
    const port = await freePort();
    const server = new FirestoreServer();
    await server.start(port); // binds 0.0.0.0, ignores every option
    return {
      kind: "upstream",
      port,
      hostPort: `127.0.0.1:${port}`,
      offline: undefined,
      clear: () => server.state.clear(),
      stop: () => Promise.resolve(server.stop()),
    };
  }
  const offline = await startOfflineFirestore({ port: 0, ...options });
  return {
    kind: "offline",
    port: offline.port,
    hostPort: `127.0.0.1:${offline.port}`,
    offline,
    clear: () => offline.clear(),
    stop: (stopOptions) => offline.stop(stopOptions),
  };
}

/** The in-process emulator; fails the test when running against upstream (it has none). */
export function offlineOf(target: Target): OfflineFirestore {
  assert.ok(target.offline, "this test needs the firestore-offline admin surface (not in the upstream package)");
  return target.offline;
}

export interface Client {
  app: App;
  db: Firestore;
  projectId: string;
  close(): Promise<void>;
}

/** A firebase-admin app of its own, pointed at `target`. */
export function connect(target: Target, options: { useBigInt?: boolean; projectId?: string } = {}): Client {
  const projectId = options.projectId ?? `demo-conformance-${randomBytes(4).toString("hex")}`;
  // Read by the Firestore constructor (getFirestore below); each spec file sets it for itself.
  process.env.FIRESTORE_EMULATOR_HOST = target.hostPort;
  const app = initializeApp({ projectId }, `${projectId}-${randomBytes(4).toString("hex")}`);
  const db = getFirestore(app);
  if (options.useBigInt === true) db.settings({ useBigInt: true });
  return { app, db, projectId, close: () => deleteApp(app) };
}

/** Standard lifecycle for a spec file: one target + one client, cleared before each test. */
export function useTarget(options: TargetOptions = {}): { target: () => Target; client: () => Client } {
  let target: Target | undefined;
  let client: Client | undefined;
  const previousHost = process.env.FIRESTORE_EMULATOR_HOST;
  before(async () => {
    target = await startTarget(options);
    client = connect(target);
  });
  beforeEach(() => target?.clear());
  after(async () => {
    await client?.close();
    await target?.stop();
    if (previousHost === undefined) delete process.env.FIRESTORE_EMULATOR_HOST;
    else process.env.FIRESTORE_EMULATOR_HOST = previousHost;
  });
  return {
    target: () => defined(target, "target"),
    client: () => defined(client, "client"),
  };
}

export function defined<T>(value: T | undefined, what: string): T {
  assert.ok(value !== undefined, `${what} is not set up`);
  return value;
}

/** Asserts that `promise` rejects with the given gRPC status code. */
export async function rejectsWithCode(promise: Promise<unknown>, code: number): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(typeof err === "object" && err !== null && "code" in err, `expected a gRPC error, got ${String(err)}`);
    const message = err instanceof Error ? err.message : JSON.stringify(err);
    assert.equal(err.code, code, `expected code ${code}, got ${String(err.code)}: ${message}`);
    return true;
  });
}

/** Polls `check` until it returns true; fails after `timeoutMs` (no fixed sleeps). */
export async function waitFor(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A promise that is resolved from outside (barriers between concurrent transactions). */
export function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = (): void => undefined;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  assert.ok(address !== null && typeof address === "object");
  return address.port;
}

export const ids = (snap: { docs: { id: string }[] }): string[] => snap.docs.map((d) => d.id);
