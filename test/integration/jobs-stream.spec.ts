import assert from "node:assert/strict";
import { sleep } from "../harness/fixtures";
import {
  createJob,
  jobsUser,
  keepLeased,
  leaseOne,
  runnerCall,
  SseClient,
  warmUp,
  type SseEvent,
} from "./jobs-fixtures";

const ids = (events: SseEvent[]) => events.filter((e) => e.event === "log").map((e) => Number(e.id));
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe("jobs API: SSE log stream (seed 002)", () => {
  before(async function () {
    this.timeout(180_000);
    await warmUp([
      ["/jobs", 1],
      ["/jobs/runner/lease", 1],
      ["/jobs/x/runner/logs", 1],
      ["/jobs/x/runner/heartbeat", 1],
      ["/jobs/x/runner/complete", 1],
      ["/jobs/x/runner/fail", 1],
      ["/jobs/x/stream", 3],
    ]);
  });

  it("streams lines in order while a runner appends them; a reconnect with Last-Event-ID misses and repeats nothing", async function () {
    this.timeout(120_000);
    const { user, readKey, runnerKey } = await jobsUser();
    const job = await createJob(user.idToken);
    const leased = await leaseOne(runnerKey, "r1");
    // Heartbeats alongside, so that a slow call on a busy machine does not cost the 4 s lease.
    const stopHeartbeats = keepLeased(runnerKey, job.id, "r1", leased.leaseToken);
    const TOTAL_BATCHES = 24;
    const PER_BATCH = 5;

    const first = await SseClient.open(`/jobs/${job.id}/stream`, readKey);
    assert.equal(first.status, 200);
    assert.match(first.contentType ?? "", /^text\/event-stream/);

    // The runner appends concurrently.
    const appender = (async () => {
      for (let batch = 0; batch < TOTAL_BATCHES; batch++) {
        const lines = range(batch * PER_BATCH + 1, (batch + 1) * PER_BATCH).map((n) => ({
          line: `line ${n}`,
          stream: n % 2 === 0 ? "stderr" : "stdout",
        }));
        const appended = await runnerCall(runnerKey, job.id, "logs", "r1", leased.leaseToken, {
          offset: batch * PER_BATCH,
          lines,
        });
        assert.equal(appended.status, 200, JSON.stringify(appended.body));
        await sleep(120);
      }
    })();

    // The first client drops after 30-odd lines, mid-stream.
    await first.until((events) => ids(events).length >= 32);
    first.close();
    await first.untilEnded();
    const firstIds = ids(first.events);
    const lastId = firstIds[firstIds.length - 1];
    assert.ok(lastId !== undefined);
    assert.deepEqual(firstIds, range(1, lastId), "in order, none missing");
    assert.equal(first.events[0]?.event, "status", "the current status comes first");

    const second = await SseClient.open(`/jobs/${job.id}/stream`, readKey, String(lastId));
    assert.equal(second.status, 200);
    await appender;
    await stopHeartbeats();
    const done = await runnerCall(runnerKey, job.id, "complete", "r1", leased.leaseToken, {
      result: { lines: TOTAL_BATCHES * PER_BATCH },
    });
    assert.equal(done.status, 200);
    await second.untilEnded(60_000);

    // The budget (8 s in tests) may have closed the second stream first: keep resuming until `end`.
    const resumed: SseEvent[] = [...second.events];
    while (!resumed.some((e) => e.event === "end")) {
      const all = ids(resumed);
      const next = await SseClient.open(`/jobs/${job.id}/stream`, readKey, String(all[all.length - 1] ?? lastId));
      await next.untilEnded(60_000);
      resumed.push(...next.events);
    }
    const total = TOTAL_BATCHES * PER_BATCH;
    assert.deepEqual([...firstIds, ...ids(resumed)], range(1, total), "every line exactly once, in order");
    const lines = [...first.events, ...resumed]
      .filter((e) => e.event === "log")
      .map((e) => JSON.parse(e.data) as { seq: number; line: string; stream: string });
    assert.ok(lines.every((l) => l.line === `line ${l.seq}` && l.stream === (l.seq % 2 === 0 ? "stderr" : "stdout")));
    const tail = resumed
      .filter((e) => e.event !== "log")
      .map((e) => [e.event, (JSON.parse(e.data) as { status: string }).status]);
    assert.deepEqual(tail.slice(-2), [
      ["status", "SUCCEEDED"],
      ["end", "SUCCEEDED"],
    ]);
    // The final status comes after the last line.
    const lastLog = resumed.map((e) => e.event).lastIndexOf("log");
    assert.ok(lastLog < resumed.findIndex((e) => e.event === "status" && e.data.includes("SUCCEEDED")));
  });

  it("replays an ended job from the start; a reconnect that has every line gets 204", async function () {
    this.timeout(60_000);
    const { user, runnerKey } = await jobsUser();
    const job = await createJob(user.idToken);
    const leased = await leaseOne(runnerKey, "r1");
    await runnerCall(runnerKey, job.id, "logs", "r1", leased.leaseToken, { offset: 0, lines: ["a", "b", "c"] });
    await runnerCall(runnerKey, job.id, "fail", "r1", leased.leaseToken, { error: "boom" });

    const replay = await SseClient.open(`/jobs/${job.id}/stream`, user.idToken);
    await replay.untilEnded();
    assert.deepEqual(ids(replay.events), [1, 2, 3]);
    assert.deepEqual(
      replay.events.slice(-2).map((e) => e.event),
      ["status", "end"],
    );
    assert.deepEqual(JSON.parse(replay.events[replay.events.length - 2]?.data ?? "{}"), {
      type: "status",
      status: "FAILED",
      error: "boom",
      result: null,
    });
    assert.equal(replay.retry, 1000, "the reconnection hint");

    const partial = await SseClient.open(`/jobs/${job.id}/stream`, user.idToken, "2");
    await partial.untilEnded();
    assert.deepEqual(ids(partial.events), [3]);
    const finished = await SseClient.open(`/jobs/${job.id}/stream`, user.idToken, "3");
    assert.equal(finished.status, 204);
    const badId = await SseClient.open(`/jobs/${job.id}/stream`, user.idToken, "abc");
    assert.equal(badId.status, 400);
  });

  it("closes itself after its time budget; the client resumes where it left off", async function () {
    this.timeout(90_000);
    const { user, runnerKey } = await jobsUser();
    const job = await createJob(user.idToken);
    const leased = await leaseOne(runnerKey, "r1");
    await runnerCall(runnerKey, job.id, "logs", "r1", leased.leaseToken, { offset: 0, lines: ["one", "two"] });

    const stopHeartbeats = keepLeased(runnerKey, job.id, "r1", leased.leaseToken);
    const started = Date.now();
    const idle = await SseClient.open(`/jobs/${job.id}/stream`, user.idToken);
    await idle.untilEnded(40_000);
    await stopHeartbeats();
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 7_000 && elapsed < 30_000, `closed after ${elapsed} ms (budget 8 s in tests)`);
    assert.deepEqual(ids(idle.events), [1, 2]);
    assert.ok(!idle.events.some((e) => e.event === "end"), "a budget close is not an end");

    assert.equal(
      (await runnerCall(runnerKey, job.id, "logs", "r1", leased.leaseToken, { offset: 2, lines: ["three"] })).status,
      200,
    );
    assert.equal((await runnerCall(runnerKey, job.id, "complete", "r1", leased.leaseToken)).status, 200);
    const resumed = await SseClient.open(`/jobs/${job.id}/stream`, user.idToken, "2");
    await resumed.untilEnded();
    assert.deepEqual(ids(resumed.events), [3]);
    assert.equal(resumed.events[resumed.events.length - 1]?.event, "end");
  });
});
