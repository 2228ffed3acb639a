// Unit tests of firestore-offline's value and write modules for what firebase-admin cannot send
// (maximum / minimum transforms) or cannot observe precisely (int64 edges, field path syntax).
// They exercise firestore-offline's own code whatever the conformance target.

import * as assert from "node:assert/strict";
import type { WriteMsg } from "../src/proto";
import type { StoredDocument } from "../src/store";
import { compareValues, parseFieldPath, type Value } from "../src/values";
import { applyWrite } from "../src/writes";

const NAME = "projects/p/databases/(default)/documents/c/d";
const int = (n: bigint | number): Value => ({ integerValue: BigInt(n).toString() });
const double = (n: number): Value => ({ doubleValue: n });

function transformed(
  stored: Value | undefined,
  transform: Omit<WriteMsg["updateTransforms"][number], "fieldPath">,
): Value | undefined {
  const current: StoredDocument | undefined =
    stored === undefined ? undefined : { name: NAME, fields: { f: stored }, createTime: 1n, updateTime: 1n };
  const write: WriteMsg = {
    update: { name: NAME, fields: {} },
    updateMask: { fieldPaths: [] },
    updateTransforms: [{ fieldPath: "f", ...transform }],
  };
  return applyWrite(current, write, 5n).doc?.fields.f;
}

describe("firestore-offline: values and transforms (unit)", () => {
  it("maximum / minimum follow the proto contract (mixed types, equivalent operands, NaN, missing field)", () => {
    assert.deepEqual(transformed(int(3), { maximum: double(4.5) }), double(4.5));
    assert.deepEqual(transformed(int(3), { maximum: double(3) }), int(3), "equivalent: the stored value stays");
    assert.deepEqual(transformed(double(3), { minimum: int(3) }), double(3));
    assert.deepEqual(transformed(int(3), { minimum: int(-1) }), int(-1));
    assert.ok(Number.isNaN((transformed(int(3), { maximum: double(NaN) }) as { doubleValue: number }).doubleValue));
    assert.ok(Number.isNaN((transformed(double(NaN), { minimum: int(1) }) as { doubleValue: number }).doubleValue));
    assert.deepEqual(transformed(undefined, { maximum: int(7) }), int(7));
    assert.deepEqual(transformed({ stringValue: "x" }, { minimum: int(7) }), int(7));
  });

  it("integer increments saturate at the int64 bounds; mixed increments become doubles", () => {
    assert.deepEqual(transformed(int(2n ** 63n - 2n), { increment: int(5) }), int(2n ** 63n - 1n));
    assert.deepEqual(transformed(int(-(2n ** 63n) + 1n), { increment: int(-5) }), int(-(2n ** 63n)));
    assert.deepEqual(transformed(int(1), { increment: double(0.5) }), double(1.5));
  });

  it("compares integers and doubles exactly, beyond 2^53", () => {
    assert.equal(compareValues(int(2n ** 53n + 1n), double(2 ** 53)), 1);
    assert.equal(compareValues(int(2n ** 53n), double(2 ** 53)), 0);
    assert.equal(compareValues(int(-1), double(-0.5)), -1);
    assert.equal(compareValues(double(NaN), int(-(2n ** 63n))), -1);
    assert.equal(compareValues(double(-0), int(0)), 0);
  });

  it("parses field paths with backquoted segments and rejects malformed ones", () => {
    assert.deepEqual(parseFieldPath("a.b.c"), ["a", "b", "c"]);
    assert.deepEqual(parseFieldPath("`odd.key`.`with space`"), ["odd.key", "with space"]);
    assert.deepEqual(parseFieldPath("`back\\`tick`.x"), ["back`tick", "x"]);
    for (const bad of ["", "a.", ".a", "a..b", "`open"]) assert.throws(() => parseFieldPath(bad), /Invalid field path/);
  });
});
