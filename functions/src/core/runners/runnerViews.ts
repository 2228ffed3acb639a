import type { RunnerDoc } from "../../data/runners";
import { iso } from "./reviewTask";
import type { FleetRunner } from "../../../../contract/src/fleet";

/**
 * A runner as read, with `heldJobs`: the review tasks it holds now, counted from the tasks when
 * it is read (see `countHeld`), never stored, so no claim or result has to keep it up to date.
 */
export type CountedRunner = RunnerDoc & { heldJobs: number };

/**
 * A runner as seed 004 answers it (`id` is the runner's own id; `seq` is its seed 003 id).
 * `currentJobs` reads back what the runner last sent (seed 004's heartbeat field; `reportedJobs`
 * is the same, kept for older clients); `heldJobs` is what the server counts it holding.
 */
export function fleetRunnerView(runner: CountedRunner): FleetRunner {
  return {
    id: runner.runnerId,
    seq: runner.seq,
    name: runner.name,
    version: runner.version,
    os: runner.os,
    arch: runner.arch,
    tags: runner.tags,
    maxConcurrency: runner.maxConcurrency,
    status: runner.status,
    currentJobs: runner.reportedJobs,
    reportedJobs: runner.reportedJobs,
    heldJobs: runner.heldJobs,
    lastHeartbeatAt: iso(runner.lastHeartbeatAt),
    offlineAt: iso(runner.offlineAt),
    createdAt: iso(runner.createdAt),
    updatedAt: iso(runner.updatedAt),
  };
}

/** A runner as seed 003 answers it: snake_case, integer id, pods are the review tasks it holds. */
export function readRunnerView(runner: CountedRunner) {
  return {
    id: runner.seq,
    name: runner.name,
    status: runner.status,
    version: runner.version,
    os: runner.os,
    arch: runner.arch,
    labels: runner.tags,
    pod_count: runner.heldJobs,
    max_pods: runner.maxConcurrency,
    last_heartbeat_at: iso(runner.lastHeartbeatAt),
    created_at: iso(runner.createdAt),
  };
}

/** Seed 003 "available": online (not busy, not offline) with a free slot. */
export function isAvailable(runner: CountedRunner): boolean {
  return runner.status === "online" && runner.heldJobs < runner.maxConcurrency;
}
