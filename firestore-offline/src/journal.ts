// The journal: every commit reaches the disk before it is acknowledged, so a killed emulator
// (SIGKILL, a crash) loses nothing it answered. `<dataDir>` holds
//
//   documents.json       the snapshot (persistence.ts), naming the journal generation after it
//   documents.<n>.log    generation n: one JSON line per commit or clear, in commit order
//   documents.pid        the server using the directory (a second one is refused)
//
// A commit line is `{"t":"<commit time, ns>","w":[<document> | {"name":…,"deleted":true}, …]}`
// with each changed document's final state in the export's encoding; a clear is
// `{"clear":"<name prefix>"}`. The line is written with one synchronous write(2) before the store
// applies the commit (and so before the answer goes out). There is no fsync: the page cache
// survives a killed process, not a power cut, and surviving a killed process is the goal.
//
// Compaction (at start after a replay, when a generation passes `compactAfterBytes`, on export
// and on a clean stop): in one synchronous step later commits move to generation n+1 and the
// current state is encoded; the snapshot naming n+1 is then written (temporary file, rename),
// and only then are the generations below n+1 deleted. A crash at any point leaves a snapshot
// and the generations that follow it: start-up loads the snapshot named by documents.json,
// replays generations >= its `log` in order, and drops older ones. A last line cut short by a
// kill (its commit was never acknowledged) is ignored; a bad line anywhere else is an error.

import * as fs from "node:fs";
import * as path from "node:path";
import { decodeDocument, encodeDocument, exportDocuments, importSnapshot, type Json } from "./persistence";
import type { DocumentStore, StoredDocument } from "./store";

/** Where the store reports its changes before applying them. */
export interface JournalSink {
  commit(changes: ReadonlyMap<string, StoredDocument | undefined>, time: bigint): void;
  clear(prefix: string): void;
}

/** A generation this large is folded into a new snapshot. */
export const DEFAULT_COMPACT_AFTER_BYTES = 16 * 1024 * 1024;
const LOG_FILE = /^documents\.(\d+)\.log$/;

export const logFile = (generation: number) => `documents.${generation}.log`;

export interface OpenedJournal {
  journal: Journal;
  /** Journal lines applied over the snapshot at start (0 after a clean stop). */
  replayed: number;
}

export class Journal implements JournalSink {
  private fd: number | undefined;
  private bytes = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private compactionScheduled = false;
  private closed = false;

  private constructor(
    private readonly dataDir: string,
    private readonly store: DocumentStore,
    private generation: number,
    private readonly compactAfterBytes: number,
    private readonly onError: (error: unknown) => void,
  ) {}

  /**
   * Loads the snapshot and replays the journal into `store` (which must be empty), then attaches
   * itself to the store so every later commit and clear is written first.
   */
  static async open(
    dataDir: string,
    store: DocumentStore,
    options: { compactAfterBytes?: number; onError?: (error: unknown) => void } = {},
  ): Promise<OpenedJournal> {
    await fs.promises.mkdir(dataDir, { recursive: true });
    takeDirectory(dataDir);
    const snapshot = await importSnapshot(dataDir);
    store.load(snapshot.documents);
    const generations = (await fs.promises.readdir(dataDir))
      .map((name) => Number(LOG_FILE.exec(name)?.[1] ?? NaN))
      .filter((n) => Number.isSafeInteger(n))
      .sort((a, b) => a - b);
    let replayed = 0;
    let leftover = false;
    for (const generation of generations) {
      const file = path.join(dataDir, logFile(generation));
      // Older than the snapshot: folded into it by a compaction that died before deleting it.
      if (generation < snapshot.log) {
        await fs.promises.rm(file, { force: true });
        continue;
      }
      const text = await fs.promises.readFile(file, "utf8");
      leftover ||= text.length > 0;
      replayed += replay(store, file, text);
    }
    const last = generations.at(-1) ?? snapshot.log;
    const journal = new Journal(
      dataDir,
      store,
      Math.max(last, snapshot.log),
      options.compactAfterBytes ?? DEFAULT_COMPACT_AFTER_BYTES,
      options.onError ?? ((error) => console.error("offline firestore: journal compaction failed:", error)),
    );
    store.journal = journal;
    // Appending after a line cut short would spoil the next one: fold the journal into a new
    // snapshot and start a fresh generation.
    if (leftover) await journal.compact();
    return { journal, replayed };
  }

  commit(changes: ReadonlyMap<string, StoredDocument | undefined>, time: bigint): void {
    const writes: Json[] = [];
    for (const [name, doc] of changes) writes.push(doc === undefined ? { name, deleted: true } : encodeDocument(doc));
    this.append({ t: time.toString(), w: writes });
  }

  clear(prefix: string): void {
    this.append({ clear: prefix });
  }

  /** Writes a snapshot of the current state and drops the journal it replaces; returns its path. */
  compact(): Promise<string> {
    const run = this.queue.then(() => this.snapshot());
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Closes the current generation (the data stays: the next open replays it). */
  close(): void {
    this.closed = true;
    this.closeFile();
    fs.rmSync(path.join(this.dataDir, OWNER_FILE), { force: true });
  }

  private append(entry: Record<string, Json>): void {
    if (this.closed) throw new Error("The journal is closed.");
    const line = Buffer.from(`${JSON.stringify(entry)}\n`);
    this.fd ??= fs.openSync(path.join(this.dataDir, logFile(this.generation)), "a");
    let written = 0;
    while (written < line.length) written += fs.writeSync(this.fd, line, written);
    this.bytes += line.length;
    if (this.bytes >= this.compactAfterBytes && !this.compactionScheduled) {
      this.compactionScheduled = true;
      setImmediate(() => {
        this.compact().then(
          () => (this.compactionScheduled = false),
          (error: unknown) => {
            this.compactionScheduled = false;
            this.onError(error);
          },
        );
      });
    }
  }

  private async snapshot(): Promise<string> {
    // One synchronous step: later commits go to the next generation, this state to the snapshot.
    this.closeFile();
    this.generation += 1;
    this.bytes = 0;
    const next = this.generation;
    const file = await exportDocuments(this.dataDir, [...this.store.all()], { log: next });
    for (const name of await fs.promises.readdir(this.dataDir)) {
      const generation = Number(LOG_FILE.exec(name)?.[1] ?? NaN);
      if (generation < next) await fs.promises.rm(path.join(this.dataDir, name), { force: true });
    }
    return file;
  }

  private closeFile(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
  }
}

/**
 * One server per data directory: a second one would compact away the journal the first is still
 * appending to. `documents.pid` names the owner; a dead owner's file is taken over.
 */
const OWNER_FILE = "documents.pid";

function takeDirectory(dataDir: string): void {
  const file = path.join(dataDir, OWNER_FILE);
  for (;;) {
    try {
      fs.writeFileSync(file, String(process.pid), { flag: "wx" });
      return;
    } catch (error) {
      if (!(error instanceof Error && "code" in error && error.code === "EEXIST")) throw error;
    }
    const owner = Number(fs.readFileSync(file, "utf8").trim());
    if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && processRuns(owner))
      throw new Error(`The data directory ${dataDir} is in use by another offline Firestore (pid ${owner}).`);
    fs.rmSync(file, { force: true });
  }
}

function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error instanceof Error && "code" in error && error.code === "EPERM";
  }
}

/** Applies one generation's lines; returns how many were applied. */
function replay(store: DocumentStore, file: string, text: string): number {
  const lines = text.split("\n");
  // A complete file ends with "\n": its last piece is empty. Anything else was cut short by a
  // kill during the write, so its commit was never acknowledged.
  lines.pop();
  let applied = 0;
  lines.forEach((line, i) => {
    if (line.length === 0) return;
    const where = `${file}:${i + 1}`;
    let entry: unknown;
    try {
      entry = JSON.parse(line);
    } catch (error) {
      throw new Error(`${where}: not JSON (${error instanceof Error ? error.message : String(error)})`);
    }
    applyEntry(store, entry, where);
    applied++;
  });
  return applied;
}

function applyEntry(store: DocumentStore, entry: unknown, where: string): void {
  if (typeof entry !== "object" || entry === null) throw new Error(`${where}: expected an object`);
  if ("clear" in entry && typeof entry.clear === "string") {
    store.clear(entry.clear);
    return;
  }
  if (!("t" in entry && typeof entry.t === "string" && /^\d+$/.test(entry.t) && "w" in entry && Array.isArray(entry.w)))
    throw new Error(`${where}: expected {"t": "<ns>", "w": [...]} or {"clear": "<prefix>"}`);
  const time = BigInt(entry.t);
  const changes = new Map<string, StoredDocument | undefined>();
  entry.w.forEach((write: unknown, i) => {
    if (typeof write === "object" && write !== null && "deleted" in write && "name" in write) {
      if (typeof write.name !== "string") throw new Error(`${where}: w[${i}].name is not a string`);
      changes.set(write.name, undefined);
    } else {
      const doc = decodeDocument(write, `${where}: w[${i}]`);
      changes.set(doc.name, doc);
    }
  });
  store.clock.advancePast(time);
  store.commit(changes, time);
}
