/**
 * `npm run scheduler`: Cloud Scheduler for any running emulator suite. Reads each scheduled
 * function's schedule from the functions emulator and fires it on time, until Ctrl-C; `--now`
 * fires them (or `--only` one) once and exits. `npm start` runs the same driver itself; this is
 * for `firebase emulators:start`, whose Pub/Sub-based scheduling needs the Java emulators.
 */
import { parseCli } from "./cli";
import { startScheduler } from "./scheduler";
import { fireScheduledFunction, PORTS } from "./stack";

const USAGE = `
Usage: npm run scheduler [-- --now] [-- --only <function>]

Fires the project's scheduled functions (reapExpiredLeases, reapStaleRunners, …) on their
schedules against the functions emulator on 127.0.0.1:${PORTS.functions}, until Ctrl-C. Use it beside
\`firebase emulators:start\`; \`npm start\` already does this itself.

  --now        fire every scheduled function once now, then exit
  --only       only this function (with --now, or to schedule just one)
  -h, --help   this text
`;

async function main(): Promise<void> {
  const values = parseCli(USAGE, { now: { type: "boolean", default: false }, only: { type: "string" } });
  const log = (line: string) => console.log(line);
  try {
    await fetch(`http://127.0.0.1:${PORTS.functions}/backends`);
  } catch {
    throw new Error(
      `No functions emulator answers on 127.0.0.1:${PORTS.functions}: start \`firebase emulators:start\` (or \`npm start\`) first.`,
    );
  }
  const only = values.only;
  const fire = async (name: string) => {
    if (only !== undefined && name !== only) return;
    await fireScheduledFunction(name);
    log(`[scheduler] fired ${name}`);
  };
  const scheduler = await startScheduler(fire, log, { now: values.now });
  if (values.now) return;
  log("Firing scheduled functions on their schedules; Ctrl-C stops.");
  process.on("SIGINT", () => {
    scheduler.stop();
    process.exit(0);
  });
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
