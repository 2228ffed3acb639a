/**
 * Mocha root hooks for the integration suite: one local stack for the whole run (started here,
 * stopped after), and a clean database and user list before every test.
 */
import { relative } from "node:path";
import { startStack, type Stack } from "../../scripts/stack";
import { clearAuth, clearFirestore, STACK_LOG } from "./stack";

let stack: Stack | undefined;
const logLines: string[] = [];
/** Wall time per spec file, its hooks included: where the suite's minutes go, printed at the end. */
const fileMs = new Map<string, number>();
let lastTestEnd = 0;

export const mochaHooks = {
  async beforeAll(this: Mocha.Context) {
    this.timeout(180_000);
    stack = await startStack({
      dataDir: null,
      scheduler: false,
      functionEnv: TEST_FUNCTION_ENV,
      log: (line) => {
        logLines.push(line);
        if (logLines.length > 50_000) logLines.splice(0, 10_000);
      },
    });
    STACK_LOG.lines = logLines;
    STACK_LOG.fireScheduled = (name) => (stack ? stack.fireScheduled(name) : Promise.reject(new Error("no stack")));
    lastTestEnd = Date.now();
  },
  async beforeEach() {
    await Promise.all([clearFirestore(), clearAuth()]);
  },
  afterEach(this: Mocha.Context) {
    const now = Date.now();
    const file = relative(process.cwd(), this.currentTest?.file ?? "?");
    fileMs.set(file, (fileMs.get(file) ?? 0) + now - lastTestEnd);
    lastTestEnd = now;
  },
  async afterAll(this: Mocha.Context) {
    this.timeout(60_000);
    await stack?.stop();
    const slowest = [...fileMs].sort((a, b) => b[1] - a[1]).slice(0, 15);
    console.log("\n  Slowest spec files (wall time, hooks included):");
    for (const [file, ms] of slowest) console.log(`    ${(ms / 1000).toFixed(1).padStart(7)} s  ${file}`);
  },
};

/** Params the tests shorten so that expiry can be observed in seconds, not minutes. */
export const TEST_FUNCTION_ENV: Record<string, string> = {
  // Lets tests kill a function mid-write at named points (functions/src/core/faults.ts).
  RUNNERPLANE_FAULTS: "enabled",
  WORKSPACE_LEASE_MS: "4000",
  JOB_LEASE_MS: "4000",
  // Retries come straight back (under 1 s): tests that want a backoff give the job its own.
  RETRY_BACKOFF_MS: "1",
  RUNNER_OFFLINE_AFTER_MS: "3000",
  RUNNER_DELETE_AFTER_MS: "6000",
  JOB_STREAM_MAX_MS: "8000",
  // intake.spec.ts: an rpc route gives up (504 with the job id) and an unleased turn is cancelled in seconds.
  RPC_WAIT_MS: "6000",
  INTAKE_LEASE_WAIT_MS: "5000",
  INTAKE_STREAM_MAX_MS: "20000",
  // Every key call looks at its owner's account, so "the next call" is observable.
  OWNER_STATUS_CACHE_MS: "1",
  // quotas.spec.ts fills a job's log in five appends (no other test comes near 1,000 lines a job).
  // The other quotas are lowered per team in Firestore by the test itself (docs/quotas.md).
  MAX_LOG_LINES_PER_JOB: "1000",
};
