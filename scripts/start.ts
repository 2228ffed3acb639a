/**
 * `npm start`: the local stack in the foreground until Ctrl-C, which stops it and exports state.
 *
 *   tsx scripts/start.ts [--data <dir>] [--no-scheduler]
 *
 * `--data` replaces emulator-data/ (the fault test uses a directory of its own); `--no-scheduler`
 * leaves scheduled functions unfired.
 */
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { API_BASE, ROOT, startStack } from "./stack";

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      data: { type: "string", default: resolve(ROOT, "emulator-data") },
      "no-scheduler": { type: "boolean", default: false },
    },
  });
  // The stack handles Ctrl-C and SIGTERM itself: a clean stop with the data exported.
  await startStack({ dataDir: resolve(values.data), scheduler: !values["no-scheduler"], watch: true });
  console.log(`\nRunnerplane API ready at ${API_BASE}  (health: ${API_BASE}/health)`);
  console.log(
    "Every Firestore commit is on disk before it is answered; Auth users are saved every 5 s. Ctrl-C stops everything and exports state.\n",
  );
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
