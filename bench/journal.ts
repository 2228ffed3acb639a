/**
 * `npx tsx bench/journal.ts [--commits 3000] [--concurrency 1,16]`: what the offline
 * Firestore's journal (firestore-offline/src/journal.ts: every commit written to disk before it
 * is acknowledged) costs. For each concurrency, the same burst of single-document `set()`s
 * (a 300-byte document each) through firebase-admin against a private offline Firestore in this
 * process, once in memory only and once with a data directory (journaled), alternating runs;
 * commits per second are the best of three. Also the store-level cost of one journal line alone.
 * Writes bench/results/journal.json. No stack, no lock.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { Firestore } from "@google-cloud/firestore";
import { startOfflineFirestore } from "../firestore-offline/src/index";
import { Journal } from "../firestore-offline/src/journal";
import { Clock, DocumentStore } from "../firestore-offline/src/store";
import { ROOT } from "../scripts/stack";

const RUNS = 3;
const log = (line: string) => process.stdout.write(`${line}\n`);

async function burst(journaled: boolean, commits: number, concurrency: number): Promise<number> {
  const dataDir = journaled ? mkdtempSync(join(tmpdir(), "bench-journal-")) : undefined;
  const server = await startOfflineFirestore({ port: 0, dataDir });
  process.env.FIRESTORE_EMULATOR_HOST = `127.0.0.1:${server.port}`;
  const db = new Firestore({ projectId: "demo-bench-journal" });
  try {
    await db.doc("warm/up").set({ ok: true });
    let next = 0;
    const started = process.hrtime.bigint();
    const worker = async () => {
      for (let i = next++; i < commits; i = next++) {
        await db
          .doc(`jobs/j${i}`)
          .set({ state: "pending", queue: "workspace/user:bench", attempt: i, pad: "x".repeat(200) });
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    return commits / (Number(process.hrtime.bigint() - started) / 1e9);
  } finally {
    await db.terminate();
    await server.stop();
    if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The journal line alone: encode and write(2), no gRPC, no SDK. */
async function lineCostMicros(lines: number): Promise<number> {
  const dataDir = mkdtempSync(join(tmpdir(), "bench-journal-line-"));
  try {
    const store = new DocumentStore(new Clock());
    const { journal } = await Journal.open(dataDir, store);
    const fields = {
      state: { stringValue: "pending" },
      attempt: { integerValue: "1" },
      pad: { stringValue: "x".repeat(200) },
    };
    const started = process.hrtime.bigint();
    for (let i = 0; i < lines; i++) {
      const time = store.clock.next();
      const name = `projects/p/databases/(default)/documents/jobs/j${i}`;
      journal.commit(new Map([[name, { name, fields, createTime: time, updateTime: time }]]), time);
    }
    const micros = Number(process.hrtime.bigint() - started) / 1e3 / lines;
    journal.close();
    return micros;
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { commits: { type: "string", default: "3000" }, concurrency: { type: "string", default: "1,16" } },
  });
  const commits = Number(values.commits);
  const levels = values.concurrency.split(",").map(Number);
  const results = [];
  for (const concurrency of levels) {
    const best = { memory: 0, journaled: 0 };
    for (let run = 0; run < RUNS; run++) {
      best.memory = Math.max(best.memory, await burst(false, commits, concurrency));
      best.journaled = Math.max(best.journaled, await burst(true, commits, concurrency));
    }
    const costPercent = ((best.memory - best.journaled) / best.memory) * 100;
    log(
      `concurrency ${concurrency}: ${best.memory.toFixed(0)} commits/s in memory, ${best.journaled.toFixed(0)} journaled (${costPercent.toFixed(1)}% slower)`,
    );
    results.push({
      concurrency,
      commitsPerSecond: { memory: Math.round(best.memory), journaled: Math.round(best.journaled) },
      costPercent: Number(costPercent.toFixed(1)),
    });
  }
  const micros = await lineCostMicros(20_000);
  log(`one journal line (encode + write, 300-byte document): ${micros.toFixed(1)} µs`);
  const out = join(ROOT, "bench", "results");
  mkdirSync(out, { recursive: true });
  writeFileSync(
    join(out, "journal.json"),
    `${JSON.stringify({ at: new Date().toISOString(), cpus: cpus().length, loadavg: loadavg(), commits, results, journalLineMicros: Number(micros.toFixed(1)) }, null, 2)}\n`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
