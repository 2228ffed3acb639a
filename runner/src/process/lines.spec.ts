import assert from "node:assert/strict";
import { LineSplitter, TailBuffer } from "./lines";

describe("LineSplitter", () => {
  it("joins lines across chunks, even inside a UTF-8 character, and drops CR", () => {
    const lines: string[] = [];
    const splitter = new LineSplitter((l) => lines.push(l), 100);
    const bytes = Buffer.from("héllo\r\nwörld\nlast", "utf8");
    for (const byte of bytes) splitter.write(Buffer.from([byte]));
    splitter.end();
    assert.deepEqual(lines, ["héllo", "wörld", "last"]);
  });

  it("cuts long lines into pieces, including one that never ends", () => {
    const lines: string[] = [];
    const splitter = new LineSplitter((l) => lines.push(l), 4);
    splitter.write(Buffer.from("abcdefghij\nxy"));
    splitter.write(Buffer.from("zzzzzz"));
    splitter.end();
    assert.deepEqual(lines, ["abcd", "efgh", "ij", "xyzz", "zzzz"]);
  });
});

describe("TailBuffer", () => {
  it("keeps the last bytes and never starts in the middle of a character", () => {
    const tail = new TailBuffer(4);
    tail.write(Buffer.from("xa"));
    tail.write(Buffer.from("éb", "utf8"));
    assert.equal(tail.dropped, 1);
    assert.equal(tail.text(), "aéb");
    tail.write(Buffer.from("cd"));
    // The first byte of "é" was dropped: its orphaned second byte must not show.
    assert.equal(tail.dropped, 3);
    assert.equal(tail.text(), "bcd");
  });
});
