/** `npm start`: the local stack in the foreground until Ctrl-C, which stops it and exports state. */
import { join } from "node:path";
import { API_BASE, ROOT, startStack } from "./stack";

async function main(): Promise<void> {
  // The stack handles Ctrl-C and SIGTERM itself: a clean stop with the data exported.
  await startStack({ dataDir: join(ROOT, "emulator-data"), scheduler: true, watch: true });
  console.log(`\nRunnerplane API ready at ${API_BASE}  (health: ${API_BASE}/health)`);
  console.log("Ctrl-C stops everything and exports state to emulator-data/ (Auth is also saved every few seconds).\n");
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
