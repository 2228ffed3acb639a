import assert from "node:assert/strict";
import { RunnerApiError } from "./client/http";
import { LogShipper, type LogLine } from "./logShipper";

interface Sent {
  offset: number;
  lines: string[];
}

function sink(maxBatch: number, behave: (call: number, lines: LogLine[], offset: number) => void = () => undefined) {
  const sent: Sent[] = [];
  let call = 0;
  return {
    sent,
    sink: {
      maxBatch,
      send: (lines: LogLine[], offset: number) => {
        call += 1;
        behave(call, lines, offset);
        sent.push({ offset, lines: lines.map((l) => l.line) });
        return Promise.resolve();
      },
    },
  };
}

const options = (extra: Partial<ConstructorParameters<typeof LogShipper>[1]> = {}) => ({
  flushMs: 5,
  maxBuffered: 1_000,
  maxTotal: 10_000,
  onLeaseLost: () => undefined,
  onError: () => undefined,
  ...extra,
});

describe("LogShipper", () => {
  it("batches by the face's cap with running offsets", async () => {
    const s = sink(3);
    const shipper = new LogShipper(s.sink, options());
    for (let i = 1; i <= 7; i++) shipper.push(`line ${i}`, "stdout");
    await shipper.close();
    assert.deepEqual(
      s.sent.map((b) => b.offset),
      [0, 3, 6],
    );
    assert.deepEqual(
      s.sent.flatMap((b) => b.lines),
      Array.from({ length: 7 }, (_, i) => `line ${i + 1}`),
    );
    assert.equal(shipper.sent, 7);
  });

  it("resends a failed batch from the same offset, so the server can drop what it already has", async () => {
    const errors: unknown[] = [];
    const s = sink(2, (call) => {
      if (call === 2) throw new RunnerApiError(0, "NETWORK", "lost answer");
    });
    const shipper = new LogShipper(s.sink, options({ onError: (e) => errors.push(e) }));
    for (let i = 1; i <= 4; i++) shipper.push(`l${i}`, "stderr");
    await shipper.close();
    assert.equal(errors.length, 1);
    assert.deepEqual(
      s.sent.map((b) => [b.offset, ...b.lines]),
      [
        [0, "l1", "l2"],
        [2, "l3", "l4"],
      ],
    );
  });

  it("stops for good when the lease is gone", async () => {
    let lost = 0;
    const s = sink(1, (call) => {
      if (call === 2) throw new RunnerApiError(409, "LEASE_NOT_HELD", "gone");
    });
    const shipper = new LogShipper(s.sink, options({ onLeaseLost: () => (lost += 1) }));
    for (let i = 1; i <= 3; i++) shipper.push(`l${i}`, "stdout");
    await shipper.close();
    shipper.push("after", "stdout");
    await shipper.close();
    assert.equal(lost, 1);
    assert.deepEqual(
      s.sent.flatMap((b) => b.lines),
      ["l1"],
    );
  });

  it("counts lines past the per-job cap instead of sending them, and says so", async () => {
    const s = sink(100);
    const shipper = new LogShipper(s.sink, options({ maxTotal: 3 }));
    for (let i = 1; i <= 5; i++) shipper.push(`l${i}`, "stdout");
    await shipper.close();
    assert.deepEqual(
      s.sent.flatMap((b) => b.lines),
      ["l1", "l2", "l3", "[runner] 2 more log lines were not sent (limit 3 per job)."],
    );
  });

  it("sends a partial batch after the flush interval without waiting for close", async () => {
    const s = sink(100);
    const shipper = new LogShipper(s.sink, options({ flushMs: 10 }));
    shipper.push("early", "stdout");
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(
      s.sent.flatMap((b) => b.lines),
      ["early"],
    );
    await shipper.close();
  });
});
