import type { FaceName } from "../config";
import type { Ledger } from "../ledger";
import type { Sandbox } from "../process/sandbox";
import type { Level } from "../report";

/** Why the runner stops a piece of work before it ends on its own. */
export type StopReason = "shutdown" | "cancel" | "pause" | "lease-lost";

/**
 * How a piece of work ended, as far as this runner is concerned. LOST: the lease went elsewhere
 * (expired, reaped, or taken back), so nothing was reported; RELEASED: handed back to the queue.
 */
export type WorkOutcome = "SUCCEEDED" | "FAILED" | "CANCELLED" | "PAUSED" | "RELEASED" | "LOST";

export interface WorkResult {
  outcome: WorkOutcome;
  detail?: string;
}

/** One leased job of any face. */
export interface Work {
  readonly face: FaceName;
  readonly id: string;
  /** Does the work and reports its end; never rejects. */
  run(): Promise<WorkResult>;
  /** Asks it to stop now (its process group is killed); `run()` then reports accordingly. */
  stop(reason: StopReason): void;
  /**
   * The face names the holder by credential alone, with no lease token (seed 001): leased again
   * while a copy still runs here, the running copy holds the renewed lease, and a second copy
   * would only repeat its work.
   */
  readonly leaseFollowsHolder?: true;
}

/** Where a face's work comes from. */
export interface WorkSource {
  readonly face: FaceName;
  /** Most jobs one lease call may take. */
  readonly maxBatch: number;
  /**
   * Leases up to `limit` jobs; with `waitMs` > 0 the server holds the call until work comes or the
   * wait ends (empty). `signal` abandons the call (the runner is draining).
   */
  lease(limit: number, waitMs?: number, signal?: AbortSignal): Promise<Work[]>;
}

export interface WorkContext {
  runnerId: string;
  ledger: Ledger;
  log: (level: Level, event: string, fields?: Record<string, unknown>) => void;
  isolation: Isolation;
}

/** How job processes are confined (RunnerConfig.sandbox, with the machine's sandbox). */
export interface Isolation {
  sandbox: Sandbox;
  maxProcesses: number;
  /** Coderunner executions may use the network. */
  network: boolean;
  /** Memory limit for commands (jobs, review tasks, workspace turns), or none. */
  jobMemoryMiB: number | null;
  /** The runner's config file and state directory: never readable by job processes. */
  hidden: string[];
}
