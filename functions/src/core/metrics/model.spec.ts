import assert from "node:assert/strict";
import {
  bucketBound,
  bucketOf,
  BUCKETS,
  gaugeStateOfJob,
  labelOfKey,
  parseQueueLabel,
  quantileOf,
  queueKey,
  queueLabel,
} from "./model";

describe("metrics model", () => {
  it("puts a duration in the first bucket whose bound holds it", () => {
    for (const seconds of [0, 0.005, 0.01, 0.0101, 0.5, 1, 7.3, 59.99, 3600, 86_400]) {
      const b = bucketOf(seconds);
      assert.ok(seconds <= bucketBound(b) + 1e-12, `${seconds} ≤ bound(${b})`);
      if (b > 0) assert.ok(seconds > bucketBound(b - 1), `${seconds} > bound(${b - 1})`);
    }
    assert.equal(bucketOf(1e9), BUCKETS - 1);
  });

  it("reads quantiles within a bucket of the exact ones", () => {
    const samples = Array.from({ length: 1000 }, (_, i) => (i + 1) / 10);
    const buckets: Record<string, number> = {};
    for (const s of samples) buckets[`b${bucketOf(s)}`] = (buckets[`b${bucketOf(s)}`] ?? 0) + 1;
    for (const [q, exact] of [
      [0.5, 50],
      [0.9, 90],
      [0.99, 99],
    ] as const) {
      const got = quantileOf(buckets, q);
      assert.ok(got !== null && Math.abs(got - exact) / exact < 0.2, `p${q * 100} ${got} vs ${exact}`);
    }
    assert.equal(quantileOf({}, 0.5), null);
  });

  it("names a queue by its face and sorted tags, and keys it reversibly", () => {
    const label = queueLabel({ kind: "generic", tags: ["linux", "gpu", "linux"] });
    assert.equal(label, "jobs[gpu,linux]");
    assert.deepEqual(parseQueueLabel(label), { face: "jobs", tags: ["gpu", "linux"] });
    assert.equal(queueLabel({ kind: "review", tags: [] }), "fleet");
    const odd = 'jobs[a.b,"c`d]';
    assert.match(queueKey(odd), /^q[0-9a-f]+$/);
    assert.equal(labelOfKey(queueKey(odd)), odd);
  });

  it("counts a pending job waiting in its queue's later shard as delayed, and ended jobs in no gauge", () => {
    assert.equal(gaugeStateOfJob({ status: "PENDING", pendingShard: "t#jobs#later" }), "delayed");
    assert.equal(gaugeStateOfJob({ status: "PENDING", pendingShard: "t#jobs#3" }), "pending");
    assert.equal(gaugeStateOfJob({ status: "PENDING", pendingShard: 't#jobs#3#["gpu"]' }), "pending");
    assert.equal(gaugeStateOfJob({ status: "PENDING" }), "pending");
    assert.equal(gaugeStateOfJob({ status: "RUNNING", pendingShard: null }), "leased");
    assert.equal(gaugeStateOfJob({ status: "PAUSED" }), "paused");
    assert.equal(gaugeStateOfJob({ status: "SUCCEEDED", pendingShard: null }), null);
  });
});
