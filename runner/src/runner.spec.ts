import assert from "node:assert/strict";
import type { RunnerConfig } from "./config";
import { Runner } from "./runner";
import type { Work, WorkResult, WorkSource } from "./work/types";

const CONFIG: RunnerConfig = {
  api: "http://127.0.0.1:1",
  token: null,
  codeToken: null,
  workspaceToken: "x",
  runnerId: "r1",
  name: "r1",
  tags: [],
  concurrency: 2,
  faces: ["workspace"],
  heartbeatMs: 1_000,
  pollMs: 250,
  leaseWaitMs: 0,
  graceMs: 1_000,
  stateDir: "/nonexistent",
  json: true,
  jobs: {},
  review: null,
  workspace: null,
  llm: null,
  plugins: {},
  offers: { capabilities: [], plugins: [] },
  code: { timeoutMs: 1_000, node: "node", python: "python3", dotnetScript: "dotnet-script" },
  sandbox: { network: true, maxProcesses: 256, jobMemoryMiB: null },
  allowUnsandboxed: false,
  credentialSource: "flags or environment",
  privatePaths: [],
};

/** Work that runs until `finish` is called; counts how often it was started. */
class FakeWork implements Work {
  static started: string[] = [];
  private finish: ((r: WorkResult) => void) | null = null;
  constructor(
    readonly face: "workspace" | "jobs",
    readonly id: string,
    readonly leaseFollowsHolder?: true,
  ) {}
  run(): Promise<WorkResult> {
    FakeWork.started.push(`${this.face}/${this.id}`);
    return new Promise((resolve) => (this.finish = resolve));
  }
  stop(): void {
    this.finish?.({ outcome: "RELEASED" });
  }
  end(): void {
    this.finish?.({ outcome: "SUCCEEDED" });
  }
}

/** Work a draining runner should hand back: records what was asked of it. */
class HandBackWork implements Work {
  readonly log: string[] = [];
  asked = 0;
  private stopped = false;
  constructor(
    readonly face: "jobs",
    readonly id: string,
  ) {}
  run(): Promise<WorkResult> {
    this.log.push("run");
    return Promise.resolve({ outcome: this.stopped ? "RELEASED" : "SUCCEEDED" });
  }
  stop(reason: string): void {
    this.stopped = true;
    this.log.push(`stop:${reason}`);
  }
}

/** Hands out the queued batches in order, then nothing. */
function source(face: "workspace" | "jobs", batches: Work[][]): WorkSource {
  return { face, maxBatch: 2, lease: () => Promise.resolve(batches.shift() ?? []) };
}

const tick = (ms = 30) => new Promise((resolve) => setTimeout(resolve, ms));

describe("Runner", () => {
  beforeEach(() => (FakeWork.started = []));

  it("does not start a second copy of a workspace job leased again while it runs (no lease token tells them apart)", async () => {
    const first = new FakeWork("workspace", "ws1", true);
    const again = new FakeWork("workspace", "ws1", true);
    const events: string[] = [];
    const runner = new Runner({
      config: CONFIG,
      sources: [source("workspace", [[first], [again]])],
      fleet: null,
      log: (_l, event) => void events.push(event),
    });
    await runner.start(new AbortController().signal);
    await tick(700);
    assert.deepEqual(FakeWork.started, ["workspace/ws1"]);
    assert.ok(events.includes("re-leased-while-running"));
    assert.equal(runner.runningWork.length, 1);
    first.end();
    await runner.drain(100, new Promise(() => undefined));
    assert.equal(runner.counts.SUCCEEDED, 1);
  });

  it("runs a token-fenced job leased again as a new copy: the old one learns its lease is gone", async () => {
    const first = new FakeWork("jobs", "j1");
    const again = new FakeWork("jobs", "j1");
    const runner = new Runner({
      config: { ...CONFIG, faces: ["jobs"] },
      sources: [source("jobs", [[first], [again]])],
      fleet: null,
      log: () => undefined,
    });
    await runner.start(new AbortController().signal);
    await tick(700);
    assert.deepEqual(FakeWork.started, ["jobs/j1", "jobs/j1"]);
    assert.equal(runner.runningWork.length, 2);
    first.end();
    again.end();
    await runner.drain(100, new Promise(() => undefined));
    assert.equal(runner.counts.SUCCEEDED, 2);
  });
  it("long-polls one face: sends leaseWaitMs, asks again at once after an empty wait, and a hurried drain abandons the wait", async () => {
    const calls: { waitMs: number | undefined; at: number }[] = [];
    let aborted = 0;
    const waiting: WorkSource = {
      face: "jobs",
      maxBatch: 2,
      lease: (_limit, waitMs, signal) =>
        new Promise((resolve, reject) => {
          calls.push({ waitMs, at: Date.now() });
          // The server holds the call for the wait, then answers empty.
          const onAbort = () => {
            aborted += 1;
            clearTimeout(timer);
            reject(new Error("aborted"));
          };
          const timer = setTimeout(() => {
            signal?.removeEventListener("abort", onAbort);
            resolve([]);
          }, waitMs ?? 0);
          signal?.addEventListener("abort", onAbort, { once: true });
        }),
    };
    const runner = new Runner({
      config: { ...CONFIG, faces: ["jobs"], leaseWaitMs: 200 },
      sources: [waiting],
      fleet: null,
      log: () => undefined,
    });
    const started = Date.now();
    await runner.start(new AbortController().signal);
    await tick(500);
    assert.ok(calls.length >= 2 && calls.length <= 4, `one call per wait (${calls.length} in 500 ms)`);
    assert.ok(calls.every((c) => c.waitMs === 200));
    // The second call follows the first empty wait at once, not after a poll delay (pollMs 250).
    assert.ok((calls[1]?.at ?? Infinity) - started < 200 + 150, "asked again at once");
    // A second signal abandons the wait at once.
    const drainStarted = Date.now();
    await runner.drain(100, Promise.resolve());
    assert.ok(Date.now() - drainStarted < 150, "hurried draining did not wait out the lease call");
    assert.equal(aborted, 1);
  });
  it("draining lets a waiting lease call end and hands back, unstarted, the job it brings", async () => {
    const brought = new HandBackWork("jobs", "j1");
    let signalled: AbortSignal | undefined;
    const waiting: WorkSource = {
      face: "jobs",
      maxBatch: 1,
      lease: (_limit, waitMs, signal) => {
        signalled = signal;
        // The first call is answered 150 ms into its wait, with a job; later calls find nothing.
        return waitMs === undefined || brought.asked++ > 0 ? Promise.resolve([]) : tick(150).then(() => [brought]);
      },
    };
    const events: string[] = [];
    const runner = new Runner({
      config: { ...CONFIG, faces: ["jobs"], leaseWaitMs: 5_000 },
      sources: [waiting],
      fleet: null,
      log: (_l, event) => void events.push(event),
    });
    await runner.start(new AbortController().signal);
    await tick(20);
    const drainStarted = Date.now();
    await runner.drain(1_000, new Promise(() => undefined));
    assert.ok(Date.now() - drainStarted >= 100, "the drain waited for the call under way");
    assert.equal(signalled?.aborted, false, "the call was not abandoned");
    assert.deepEqual(brought.log, ["stop:shutdown", "run"], "stopped before it ran: its run only hands it back");
    assert.equal(runner.counts.RELEASED, 1);
    assert.ok(!FakeWork.started.includes("jobs/j1"));
  });
});
