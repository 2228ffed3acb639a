import assert from "node:assert/strict";
import { InvalidArgument } from "../../http/errors";
import type { JobStatus } from "../jobs/model";
import { parseLastEventId, sseEvent, streamJobEvents, type StreamLine, type StreamOptions } from "./streamJob";

/** A job whose lines and status change as the fake clock advances. */
class FakeJob {
  lines: StreamLine[] = [];
  status: JobStatus = "RUNNING";
  append(count: number) {
    for (let i = 0; i < count; i++) {
      const seq = this.lines.length + 1;
      this.lines.push({ seq, line: `line ${seq}`, stream: "stdout", at: new Date(0) });
    }
  }
  source() {
    return {
      readJob: () => Promise.resolve({ status: this.status, logSeq: this.lines.length, error: null, result: null }),
      readLines: (after: number, limit: number) =>
        Promise.resolve(this.lines.filter((l) => l.seq > after).slice(0, limit)),
    };
  }
}

interface Parsed {
  id?: string;
  event?: string;
  data?: string;
}

function parse(text: string): Parsed[] {
  return text
    .split("\n\n")
    .filter((block) => block.length > 0 && !block.startsWith(":") && !block.startsWith("retry:"))
    .map((block) => {
      const event: Parsed = {};
      for (const line of block.split("\n")) {
        const [field, ...rest] = line.split(": ");
        if (field === "id" || field === "event" || field === "data") event[field] = rest.join(": ");
      }
      return event;
    });
}

function harness(job: FakeJob, onSleep: (tick: number) => void) {
  let now = 0;
  let tick = 0;
  let out = "";
  let closed = false;
  return {
    sink: { write: (chunk: string) => Promise.resolve(void (out += chunk)), closed: () => closed },
    clock: {
      now: () => now,
      sleep: (ms: number) => {
        now += ms;
        onSleep(++tick);
        return Promise.resolve();
      },
    },
    output: () => out,
    close: () => {
      closed = true;
    },
  };
}

const options = (lastSeq = 0): StreamOptions => ({
  lastSeq,
  maxMs: 10_000,
  pollMs: 500,
  keepaliveMs: 2_000,
  retryMs: 1_000,
});

describe("streamJobEvents", () => {
  it("sends lines as they arrive, numbered by seq, then the final status and end", async () => {
    const job = new FakeJob();
    job.append(3);
    const h = harness(job, (tick) => {
      if (tick <= 3) job.append(2);
      if (tick === 4) job.status = "SUCCEEDED";
    });
    const end = await streamJobEvents(job.source(), h.sink, h.clock, options());
    assert.equal(end, "ended");
    const events = parse(h.output());
    const logs = events.filter((e) => e.event === "log");
    assert.deepEqual(
      logs.map((e) => Number(e.id)),
      [1, 2, 3, 4, 5, 6, 7, 8, 9],
    );
    assert.deepEqual(
      events.filter((e) => e.event !== "log").map((e) => [e.event, e.id]),
      [
        ["status", undefined],
        ["status", undefined],
        ["end", undefined],
      ],
    );
    assert.equal(
      events[events.length - 2]?.data,
      JSON.stringify({ type: "status", status: "SUCCEEDED", error: null, result: null }),
    );
    // Every data frame says what it is, for clients that read only `data:` (seed 002's CLI).
    assert.deepEqual(
      [...new Set(events.map((e) => [e.event, (JSON.parse(e.data ?? "{}") as { type?: string }).type].join("=")))],
      ["log=log", "status=status", "end=end"],
    );
    assert.match(h.output(), /^retry: 1000\n\n/);
  });

  it("resumes after Last-Event-ID without repeating a line", async () => {
    const job = new FakeJob();
    job.append(10);
    job.status = "FAILED";
    const h = harness(job, () => undefined);
    await streamJobEvents(job.source(), h.sink, h.clock, options(7));
    assert.deepEqual(
      parse(h.output())
        .filter((e) => e.event === "log")
        .map((e) => Number(e.id)),
      [8, 9, 10],
    );
  });

  it("closes itself when the time budget is spent, with keepalives while idle", async () => {
    const job = new FakeJob();
    const h = harness(job, () => undefined);
    const end = await streamJobEvents(job.source(), h.sink, h.clock, options());
    assert.equal(end, "budget");
    assert.match(h.output(), /: keepalive\n\n/);
    assert.match(h.output(), /reconnect with Last-Event-ID: 0\n\n$/);
  });

  it("stops when the client goes away", async () => {
    const job = new FakeJob();
    const h = harness(job, (tick) => {
      if (tick === 2) h.close();
    });
    assert.equal(await streamJobEvents(job.source(), h.sink, h.clock, options()), "closed");
  });
});

describe("sseEvent / parseLastEventId", () => {
  it("formats an event with JSON data on one line", () => {
    assert.equal(
      sseEvent({ id: 4, event: "log", data: { line: "a\nb" } }),
      'id: 4\nevent: log\ndata: {"type":"log","line":"a\\nb"}\n\n',
    );
    assert.equal(sseEvent({ event: "end", data: null }), "event: end\ndata: null\n\n");
  });

  it("accepts sequence numbers and nothing else", () => {
    assert.equal(parseLastEventId(undefined), 0);
    assert.equal(parseLastEventId(" 42 "), 42);
    assert.throws(() => parseLastEventId("abc"), InvalidArgument);
    assert.throws(() => parseLastEventId("-1"), InvalidArgument);
  });
});
