/** `npm start`: the local stack in the foreground until Ctrl-C, which exports state. */
import { join } from "node:path";
import { API_BASE, ROOT, startStack } from "./stack";

async function main(): Promise<void> {
  const stack = await startStack({ dataDir: join(ROOT, "emulator-data"), scheduler: true, watch: true });
  console.log(`\nRunnerplane API ready at ${API_BASE}  (health: ${API_BASE}/health)`);
  console.log("Ctrl-C stops everything and exports state to emulator-data/.\n");
  let stopping = false;
  const shutdown = () => {
    if (stopping) return;
    stopping = true;
    console.log("\nStopping the stack and exporting data…");
    stack.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", shutdown);
  process.on("SIGTERM", shutdown);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
