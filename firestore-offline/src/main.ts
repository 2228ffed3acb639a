// CLI: tsx firestore-offline/src/main.ts --port 8080 [--data emulator-data/firestore]
//          [--transaction-idle-ms 60000] [--transaction-lifetime-ms 270000]
//          [--indexes firestore.indexes.json] [--exit-with <pid>]
//
// Prints "offline firestore listening on 127.0.0.1:PORT" once ready. Every commit is journaled
// to --data before it is answered (journal.ts). On SIGINT/SIGTERM it compacts the journal into
// --data/documents.json (if given) and exits 0. With --exit-with it does the same once that
// process is gone (the local stack passes its own pid, so a killed stack takes this server with
// it). A port already in use exits 1 with a message.

import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { LOOPBACK, startOfflineFirestore } from "./index";

const USAGE =
  "usage: main.ts --port <port> [--data <dir>] [--transaction-idle-ms <ms>] [--transaction-lifetime-ms <ms>] [--indexes <firestore.indexes.json>] [--exit-with <pid>]";
/** How often --exit-with looks for its process. */
const WATCH_EVERY_MS = 500;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: "string", default: "8080" },
      data: { type: "string" },
      "transaction-idle-ms": { type: "string" },
      "transaction-lifetime-ms": { type: "string" },
      indexes: { type: "string" },
      "exit-with": { type: "string" },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const port = Number(values.port);
  const transactionIdleMs = positive(values["transaction-idle-ms"]);
  const transactionLifetimeMs = positive(values["transaction-lifetime-ms"]);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(USAGE);
  const exitWith = values["exit-with"] === undefined ? undefined : Number(values["exit-with"]);
  if (exitWith !== undefined && !(Number.isInteger(exitWith) && exitWith > 1)) throw new Error(USAGE);

  const firestore = await startOfflineFirestore({
    port,
    dataDir: values.data,
    transactionIdleMs,
    transactionLifetimeMs,
    indexes: values.indexes,
  });
  console.log(`offline firestore listening on ${LOOPBACK}:${firestore.port}`);

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    firestore
      .stop({ export: values.data !== undefined })
      .then(() => {
        if (values.data !== undefined) console.log(`offline firestore exported to ${values.data} (${signal})`);
        process.exit(0);
      })
      .catch((err: unknown) => {
        console.error("offline firestore: export failed:", err);
        process.exit(1);
      });
  };
  process.on("SIGINT", () => shutdown("SIGINT"));
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  if (exitWith !== undefined) {
    const watch = setInterval(() => {
      if (isAlive(exitWith)) return;
      clearInterval(watch);
      shutdown(`process ${exitWith} is gone`);
    }, WATCH_EVERY_MS);
  }
}

/** Whether a process runs (a zombie, dead but not yet reaped, counts as gone). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    if (!(err instanceof Error && "code" in err && err.code === "EPERM")) return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return true;
  }
}

/** An optional positive number of milliseconds. */
function positive(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!(value > 0)) throw new Error(USAGE);
  return value;
}

main().catch((err: unknown) => {
  console.error(`offline firestore: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
