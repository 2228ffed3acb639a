/**
 * The runner: one pool of `concurrency` slots shared by every face it serves. It registers with
 * the fleet (seed 004) and heartbeats on its interval, leases from each face in turn while slots
 * are free (a face that came back empty is asked again after an idle delay that doubles while it
 * stays empty), runs each job to its end, and drains on request: no new leases, running jobs get
 * the grace period, then are stopped and handed back (or failed where the face cannot take work
 * back), and the runner deregisters.
 */
import { arch, platform } from "node:os";
import { RunnerApiError, sleep } from "./client/http";
import type { FleetClient } from "./client/fleet";
import { IDLE_POLL_CAP, type FaceName, type RunnerConfig } from "./config";
import type { Level } from "./report";
import { describeError } from "./work/common";
import { RUNNER_VERSION } from "./version";
import type { Work, WorkOutcome, WorkSource } from "./work/types";

export { RUNNER_VERSION };
/** After the grace period, how long stopping and handing back running jobs may take. */
export const STOP_TIMEOUT_MS = 30_000;
/** Longest deregistration; a second signal cuts it short too. */
export const DEREGISTER_TIMEOUT_MS = 10_000;
/** A face whose lease call failed (not "nothing to do") waits this long at first. */
const LEASE_ERROR_DELAY_MS = 2_000;
/** Idle poll delays are spread ±this fraction, so runners started together do not poll together. */
const POLL_JITTER = 0.2;

export interface RunnerDeps {
  config: RunnerConfig;
  sources: WorkSource[];
  fleet: FleetClient | null;
  log: (level: Level, event: string, fields?: Record<string, unknown>) => void;
}

interface Running {
  work: Work;
  since: number;
  done: Promise<void>;
}

interface SourceState {
  source: WorkSource;
  nextPollAt: number;
  idleRounds: number;
  disabled: boolean;
}

export type RunnerState = "starting" | "running" | "draining" | "stopped";

export class Runner {
  state: RunnerState = "starting";
  readonly counts: Record<WorkOutcome, number> = {
    SUCCEEDED: 0,
    FAILED: 0,
    CANCELLED: 0,
    PAUSED: 0,
    RELEASED: 0,
    LOST: 0,
  };
  private readonly running = new Map<string, Running>();
  private readonly sources: SourceState[];
  private wake: (() => void) | null = null;
  /** Aborts a lease call in flight when the runner drains. */
  private readonly leaseStop = new AbortController();
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private heartbeatInFlight: Promise<void> | null = null;
  /** Set before deregistering: a heartbeat after it would bring the runner back online. */
  private heartbeatsStopped = false;
  private loop: Promise<void> | null = null;
  private rotation = 0;

  constructor(private readonly deps: RunnerDeps) {
    this.sources = deps.sources.map((source) => ({ source, nextPollAt: 0, idleRounds: 0, disabled: false }));
  }

  get runningWork(): { face: FaceName; id: string; sinceMs: number }[] {
    return [...this.running.values()].map((r) => ({ face: r.work.face, id: r.work.id, sinceMs: r.since }));
  }

  /** Registers (retrying while the API is unreachable) and starts leasing. */
  async start(signal: AbortSignal): Promise<void> {
    const { config, fleet, log } = this.deps;
    if (fleet !== null) {
      await this.register(fleet, signal);
      if (signal.aborted) return;
      this.scheduleHeartbeat(fleet);
    }
    this.state = "running";
    log("info", "started", {
      faces: this.sources.map((s) => s.source.face),
      concurrency: config.concurrency,
      tags: config.tags,
      api: config.api,
    });
    this.loop = this.leaseLoop();
  }

  /**
   * Drains: stops leasing, lets running jobs finish for `graceMs`, stops the rest and hands
   * them back, deregisters. `hurry` cuts the grace period short (a second signal).
   */
  async drain(graceMs: number, hurry: Promise<void>): Promise<void> {
    const { fleet, log } = this.deps;
    if (this.state === "draining" || this.state === "stopped") return;
    this.state = "draining";
    // A lease call waiting on the server is let finish (a wait is at most MAX_LEASE_WAIT_MS), and
    // what it brings goes straight back, unstarted (`leaseFrom`). Abandoning it is not enough
    // where a disconnect does not reach the server (the functions emulator keeps the proxied call
    // open): its wait would go on and lease the next job to a runner that is gone. A second
    // signal (`hurry`) abandons it.
    void hurry.then(() => this.leaseStop.abort());
    this.wake?.();
    await this.loop;
    log("info", "draining", { running: this.running.size, graceMs });
    const settled = Promise.all([...this.running.values()].map((r) => r.done));
    const inTime = await Promise.race([
      settled.then(() => true),
      delay(graceMs).then(() => false),
      hurry.then(() => false),
    ]);
    if (!inTime) {
      log("warn", "grace-expired", { stopping: [...this.running.values()].map((r) => `${r.work.face}/${r.work.id}`) });
      for (const r of this.running.values()) r.work.stop("shutdown");
      await Promise.race([Promise.all([...this.running.values()].map((r) => r.done)), delay(STOP_TIMEOUT_MS)]);
    }
    this.heartbeatsStopped = true;
    if (this.heartbeatTimer !== undefined) clearTimeout(this.heartbeatTimer);
    await this.heartbeatInFlight;
    if (fleet !== null) {
      const bounded = AbortSignal.any([AbortSignal.timeout(DEREGISTER_TIMEOUT_MS), abortedBy(hurry)]);
      try {
        await fleet.deregister(bounded);
        log("info", "deregistered", {});
      } catch (error) {
        log("error", "deregister-failed", { error: describeError(error) });
      }
    }
    this.state = "stopped";
    log("info", "stopped", { ...this.counts });
  }

  private async register(fleet: FleetClient, signal: AbortSignal): Promise<void> {
    const { config, log } = this.deps;
    for (let attempt = 1; !signal.aborted; attempt++) {
      try {
        const runner = await fleet.register(
          {
            name: config.name,
            version: RUNNER_VERSION,
            os: platform(),
            arch: arch(),
            maxConcurrency: config.concurrency,
            tags: config.tags,
          },
          signal,
        );
        log("info", "registered", { runnerId: runner.id, seq: runner.seq });
        return;
      } catch (error) {
        if (signal.aborted) return;
        if (error instanceof RunnerApiError && error.status >= 400 && error.status < 500 && error.status !== 429)
          throw error;
        log("warn", "register-failed", { attempt, error: describeError(error) });
        await sleep(Math.min(30_000, 1_000 * attempt), signal);
      }
    }
  }

  private scheduleHeartbeat(fleet: FleetClient): void {
    if (this.heartbeatsStopped) return;
    this.heartbeatTimer = setTimeout(() => {
      this.heartbeatInFlight = this.heartbeat(fleet).finally(() => {
        this.heartbeatInFlight = null;
        this.scheduleHeartbeat(fleet);
      });
    }, this.deps.config.heartbeatMs);
  }

  private async heartbeat(fleet: FleetClient): Promise<void> {
    const { config, log } = this.deps;
    const busy = this.running.size >= config.concurrency;
    try {
      await fleet.heartbeat(busy ? "busy" : "online", this.running.size);
    } catch (error) {
      // Deleted after a long silence (or by hand): register again, then carry on.
      if (error instanceof RunnerApiError && error.status === 404) await this.reRegister(fleet);
      else log("warn", "heartbeat-failed", { face: "fleet", error: describeError(error) });
    }
  }

  private async reRegister(fleet: FleetClient): Promise<void> {
    const { config, log } = this.deps;
    try {
      await fleet.register({
        name: config.name,
        version: RUNNER_VERSION,
        os: platform(),
        arch: arch(),
        maxConcurrency: config.concurrency,
        tags: config.tags,
      });
      log("warn", "re-registered", {});
    } catch (error) {
      log("error", "register-failed", { error: describeError(error) });
    }
  }

  private async leaseLoop(): Promise<void> {
    const { config } = this.deps;
    while (this.state === "running") {
      if (this.running.size >= config.concurrency) {
        await this.sleepUntilWoken(Number.POSITIVE_INFINITY);
        continue;
      }
      const now = Date.now();
      const live = this.sources.filter((s) => !s.disabled);
      if (live.length === 0) {
        await this.sleepUntilWoken(Number.POSITIVE_INFINITY);
        continue;
      }
      const due = rotate(
        live.filter((s) => s.nextPollAt <= now),
        this.rotation++,
      );
      if (due.length === 0) {
        await this.sleepUntilWoken(Math.min(...live.map((s) => s.nextPollAt)) - now);
        continue;
      }
      for (const state of due) {
        const free = config.concurrency - this.running.size;
        if (free <= 0 || this.state !== "running") break;
        await this.leaseFrom(state, free);
      }
    }
  }

  private async leaseFrom(state: SourceState, free: number): Promise<void> {
    const { config, log, fleet } = this.deps;
    const asked = Math.min(free, state.source.maxBatch);
    // Long poll when this is the only face served: the call returns as soon as work is queued.
    // With several faces the loop asks them in turn, and one face holding the call would keep the
    // others waiting, so they poll.
    const live = this.sources.filter((s) => !s.disabled).length;
    const waitMs = live === 1 ? config.leaseWaitMs : 0;
    const startedAt = Date.now();
    let works: Work[];
    try {
      works = await state.source.lease(asked, waitMs, this.leaseStop.signal);
    } catch (error) {
      if (this.leaseStop.signal.aborted) return;
      if (error instanceof RunnerApiError && (error.status === 401 || error.status === 403)) {
        // A credential this face will never accept: say so once, stop asking.
        state.disabled = true;
        log("error", "face-disabled", {
          face: state.source.face,
          status: error.status,
          reason: error.reason,
          error: error.message,
        });
        return;
      }
      if (error instanceof RunnerApiError && error.reason === "RUNNER_OFFLINE" && fleet !== null)
        await this.reRegister(fleet);
      state.idleRounds += 1;
      state.nextPollAt =
        Date.now() + jitter(Math.min(LEASE_ERROR_DELAY_MS * 2 ** Math.min(state.idleRounds, 4), 30_000));
      log("warn", "lease-failed", { face: state.source.face, error: describeError(error) });
      return;
    }
    if (this.state !== "running") {
      // Leased while draining: each goes back to the queue at once (stopped before it ran, its run
      // only acknowledges the stop: the face's release).
      for (const work of works) {
        work.stop("shutdown");
        this.begin(work);
      }
      return;
    }
    for (const work of works) this.begin(work);
    if (works.length === 0 && waitMs > 0 && Date.now() - startedAt >= waitMs / 2) {
      // The server waited for work and none came: ask again at once (the wait is the idle delay).
      state.idleRounds = 0;
      state.nextPollAt = 0;
    } else if (works.length === 0) {
      // Polling, or a server that answered an empty wait early (an older one ignores `waitMs`).
      state.idleRounds += 1;
      state.nextPollAt = Date.now() + jitter(config.pollMs * Math.min(IDLE_POLL_CAP, 2 ** (state.idleRounds - 1)));
    } else {
      state.idleRounds = 0;
      // A full batch suggests more is waiting: ask again as soon as a slot allows.
      state.nextPollAt = works.length < asked ? Date.now() + jitter(config.pollMs) : 0;
    }
  }

  private begin(work: Work): void {
    const key = `${work.face}/${work.id}`;
    const { log } = this.deps;
    if (this.running.has(key) && work.leaseFollowsHolder === true) {
      // Our lease lapsed and came back to us: the copy still running carries on under it.
      log("warn", "re-leased-while-running", { face: work.face, jobId: work.id });
      return;
    }
    log("info", "leased", { face: work.face, jobId: work.id });
    // A job leased again while our first copy runs (the first lease lapsed; the new one has a new
    // token): the old copy will be told its lease is gone. Two copies must not share one entry.
    const unique = this.running.has(key) ? `${key}#${Date.now()}` : key;
    const done = work
      .run()
      .then(
        (result) => {
          this.counts[result.outcome] += 1;
          log(result.outcome === "SUCCEEDED" ? "info" : "warn", "finished", {
            face: work.face,
            jobId: work.id,
            outcome: result.outcome,
            ...(result.detail === undefined ? {} : { detail: result.detail.slice(0, 500) }),
          });
        },
        (error: unknown) => {
          this.counts.LOST += 1;
          log("error", "finished", { face: work.face, jobId: work.id, outcome: "LOST", detail: describeError(error) });
        },
      )
      .finally(() => {
        this.running.delete(unique);
        this.wake?.();
      });
    this.running.set(unique, { work, since: Date.now(), done });
  }

  private sleepUntilWoken(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = Number.isFinite(ms) ? setTimeout(finish, Math.max(0, ms)) : undefined;
      const wake = () => finish();
      this.wake = wake;
      function finish() {
        if (timer !== undefined) clearTimeout(timer);
        resolve();
      }
    });
  }
}

function rotate<T>(items: T[], by: number): T[] {
  if (items.length === 0) return items;
  const at = by % items.length;
  return [...items.slice(at), ...items.slice(0, at)];
}

function jitter(ms: number): number {
  return Math.round(ms * (1 - POLL_JITTER + Math.random() * 2 * POLL_JITTER));
}

function abortedBy(event: Promise<void>): AbortSignal {
  const controller = new AbortController();
  void event.then(() => controller.abort());
  return controller.signal;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
