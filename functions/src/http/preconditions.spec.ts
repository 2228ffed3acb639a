import assert from "node:assert/strict";
import { ApiError } from "./errors";
import { etagOf, ifMatchHolds, parseIfMatch } from "./preconditions";

describe("If-Match preconditions", () => {
  it("round-trips an ETag and reads weak and listed tags", () => {
    assert.deepEqual(parseIfMatch(etagOf(3)), [3]);
    assert.deepEqual(parseIfMatch('W/"7"'), [7]);
    assert.deepEqual(parseIfMatch('"1", "2"'), [1, 2]);
    assert.equal(parseIfMatch("*"), "any");
    assert.equal(parseIfMatch(undefined), undefined);
  });

  it("refuses what is not an ETag with 400", () => {
    for (const bad of ["3", '"x"', '"3', "", '"-1"'])
      assert.throws(
        () => parseIfMatch(bad),
        (e: unknown) => e instanceof ApiError && e.status === 400,
        bad,
      );
  });

  it("holds only for the current version (or * on an existing document)", () => {
    assert.equal(ifMatchHolds(undefined, 0), true);
    assert.equal(ifMatchHolds([2], 2), true);
    assert.equal(ifMatchHolds([2], 3), false);
    assert.equal(ifMatchHolds("any", 0), false);
    assert.equal(ifMatchHolds("any", 1), true);
    assert.equal(ifMatchHolds([0], 0), true);
  });
});
