import assert from "node:assert/strict";
import { MAX_STORABLE_DEPTH, unstorableReason } from "./storable";

function nested(depth: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = { a: value };
  return value;
}

describe("unstorableReason", () => {
  it("accepts the JSON a runner's result usually carries", () => {
    assert.equal(
      unstorableReason({ files: [{ path: "a.ts", comments: [{ line: 3, body: "x" }] }], n: 1.5, ok: true, none: null }),
      null,
    );
  });

  it("refuses an array directly inside an array, naming where", () => {
    assert.equal(
      unstorableReason({ files: [{ ranges: [[1, 2]] }] }),
      "files[0].ranges[0]: an array directly inside an array cannot be stored",
    );
  });

  it("refuses empty and reserved keys", () => {
    assert.match(unstorableReason({ m: { "": 1 } }) ?? "", /^m: empty keys/);
    assert.match(unstorableReason({ m: { __name__: 1 } }) ?? "", /^m\.__name__: keys like/);
  });

  it("accepts nesting up to the cap and refuses one level more", () => {
    assert.equal(unstorableReason(nested(MAX_STORABLE_DEPTH)), null);
    assert.match(unstorableReason(nested(MAX_STORABLE_DEPTH + 1)) ?? "", /nested deeper/);
  });

  it("refuses non-finite numbers", () => {
    assert.match(unstorableReason({ x: Number.NaN }) ?? "", /^x: not a finite number/);
  });
});
