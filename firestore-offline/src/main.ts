// CLI: tsx firestore-offline/src/main.ts --port 8080 [--data emulator-data/firestore]
//          [--transaction-idle-ms 60000] [--transaction-lifetime-ms 270000]
//          [--indexes firestore.indexes.json]
//
// Prints "offline firestore listening on 127.0.0.1:PORT" once ready. On SIGINT/SIGTERM it
// exports to --data (if given) and exits 0. A port already in use exits 1 with a message.

import { parseArgs } from "node:util";
import { LOOPBACK, startOfflineFirestore } from "./index";

const USAGE =
  "usage: main.ts --port <port> [--data <dir>] [--transaction-idle-ms <ms>] [--transaction-lifetime-ms <ms>] [--indexes <firestore.indexes.json>]";

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: "string", default: "8080" },
      data: { type: "string" },
      "transaction-idle-ms": { type: "string" },
      "transaction-lifetime-ms": { type: "string" },
      indexes: { type: "string" },
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
