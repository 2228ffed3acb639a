import assert from "node:assert/strict";
import { desiredRunners, queueState, type Policy } from "../../examples/autoscale/autoscale";
import type { MetricsAnswer } from "../../contract/src/metrics";

const POLICY: Policy = { min: 0, max: 5, concurrency: 2, targetP90: 30, scaleDownTicks: 2 };
const none = { count: 0, p50: null, p90: null, p99: null };

function queue(name: string, pending: number, leased: number, p90: number | null): MetricsAnswer["queues"][number] {
  const [face = name] = name.split("[");
  return {
    queue: name,
    face,
    tags: [],
    jobs: { pending, delayed: 0, leased, paused: 0 },
    finished: { succeeded: 0, failed: 0, cancelled: 0 },
    leaseExpirations: 0,
    waitSeconds: p90 === null ? none : { count: 1, p50: p90, p90, p99: p90 },
    runSeconds: none,
  };
}

describe("examples/autoscale: the policy", () => {
  it("wants slots for every queued or running job, within min and max", () => {
    assert.equal(desiredRunners({ pending: 0, leased: 0, waitP90: null }, 3, POLICY), 0);
    assert.equal(desiredRunners({ pending: 3, leased: 0, waitP90: null }, 0, POLICY), 2);
    assert.equal(desiredRunners({ pending: 100, leased: 4, waitP90: 1 }, 2, POLICY), 5);
    assert.equal(desiredRunners({ pending: 0, leased: 0, waitP90: null }, 0, { ...POLICY, min: 1 }), 1);
  });

  it("adds one more while jobs wait and the p90 is over target", () => {
    assert.equal(desiredRunners({ pending: 1, leased: 3, waitP90: 45 }, 2, POLICY), 3);
    assert.equal(desiredRunners({ pending: 0, leased: 3, waitP90: 45 }, 2, POLICY), 2, "nothing waits: no more");
  });

  it("adds up the watched queues, by label or by face", () => {
    const metrics = {
      at: "",
      windowSeconds: 900,
      queues: [queue("jobs", 2, 1, 5), queue("jobs[gpu]", 3, 0, 50), queue("fleet", 7, 0, null)],
      runners: [],
      slots: { busy: 0, free: 0 },
    };
    assert.deepEqual(queueState(metrics, ["jobs"]), { pending: 5, leased: 1, waitP90: 50 });
    assert.deepEqual(queueState(metrics, ["jobs[gpu]"]), { pending: 3, leased: 0, waitP90: 50 });
  });
});
