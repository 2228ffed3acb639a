import assert from "node:assert/strict";
import { canonicalJson } from "../jobs/canonicalJson";
import { hashRequest, idempotentJobId } from "./createJob";
import { childJobId } from "./model";

describe("createJob helpers", () => {
  it("hash the request regardless of key order, and tell different requests apart", () => {
    const a = hashRequest({ type: "t", workflowPath: "w", params: { x: 1, y: { b: 2, a: [1, { d: 1, c: 2 }] } } });
    const b = hashRequest({ params: { y: { a: [1, { c: 2, d: 1 }], b: 2 }, x: 1 }, workflowPath: "w", type: "t" });
    assert.equal(a, b);
    assert.notEqual(
      a,
      hashRequest({ type: "t", workflowPath: "w", params: { x: 2, y: { b: 2, a: [1, { d: 1, c: 2 }] } } }),
    );
    // Defaults are part of the request: an explicit default matches an omitted one.
    assert.equal(
      hashRequest({ type: "t", workflowPath: "w", params: {} }),
      hashRequest({ type: "t", workflowPath: "w", params: {}, tags: [], priority: 0 }),
    );
  });

  it("canonical JSON sorts keys and drops undefined", () => {
    assert.equal(canonicalJson({ b: 1, a: [undefined, "x"], c: undefined }), '{"a":[null,"x"],"b":1}');
  });

  it("derive an alphanumeric id per owner and key", () => {
    const id = idempotentJobId("owner-1", "key-1");
    assert.match(id, /^k[0-9a-f]{40}$/);
    assert.equal(idempotentJobId("owner-1", "key-1"), id);
    assert.notEqual(idempotentJobId("owner-2", "key-1"), id);
    // Child ids split at the first dash because parent ids have none.
    assert.equal(childJobId(id, "build-a").split("-")[0], id);
  });
});
