import assert from "node:assert/strict";
import { Timestamp } from "firebase-admin/firestore";
import { InvalidArgument } from "../../http/errors";
import { decodeCursor, encodeCursor } from "./listJobs";

describe("list cursors", () => {
  it("round-trip the full sort key, nanoseconds included", () => {
    const position = { createdAt: new Timestamp(1_700_000_000, 123_456_789), id: "abcDEF123" };
    const decoded = decodeCursor(encodeCursor(position));
    assert.equal(decoded.id, position.id);
    assert.ok(decoded.createdAt.isEqual(position.createdAt));
  });

  it("refuse anything they did not make with 400 INVALID_CURSOR", () => {
    const forged = [
      "not base64 json",
      Buffer.from("[1,2]").toString("base64url"),
      Buffer.from('[1,2,"../x"]').toString("base64url"),
      Buffer.from('[1,2000000000,"a"]').toString("base64url"),
      Buffer.from('["1",0,"a"]').toString("base64url"),
    ];
    for (const cursor of forged) {
      assert.throws(
        () => decodeCursor(cursor),
        (e: unknown) => e instanceof InvalidArgument && e.reason === "INVALID_CURSOR",
        cursor,
      );
    }
  });
});
