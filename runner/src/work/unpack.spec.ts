import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LANGUAGE_TYPES } from "../../../contract/src/code";
import { writeZip } from "../../../contract/src/zipWriter";
import { entryPath, unpackBundle } from "./unpack";

describe("unpackBundle", () => {
  let dir = "";
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), "rp-unpack-spec-"))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("unpacks files and folders, deflated and stored", () => {
    const zip = writeZip([
      { name: "index.js", data: "console.log(1)" },
      { name: "lib/", data: "" },
      { name: "lib/util.js", data: "module.exports = 2;", method: "store" },
    ]);
    const result = unpackBundle(zip, LANGUAGE_TYPES.NodeJS, join(dir, "app"));
    assert.ok(result.ok, JSON.stringify(result));
    assert.deepEqual(result.files, ["index.js", "lib/util.js"]);
    assert.equal(readFileSync(join(dir, "app", "lib", "util.js"), "utf8"), "module.exports = 2;");
    assert.equal(entryPath(join(dir, "app"), "index.js", result.files), join(dir, "app", "index.js"));
    assert.equal(entryPath(join(dir, "app"), "main.js", result.files), null);
  });

  for (const name of ["../escape.js", "/etc/passwd", "a/../../escape.js", "C:/x.js", "a\\..\\b.js"]) {
    it(`refuses ${JSON.stringify(name)} and writes nothing`, () => {
      const zip = writeZip([
        { name: "index.js", data: "1" },
        { name, data: "x" },
      ]);
      const result = unpackBundle(zip, LANGUAGE_TYPES.NodeJS, join(dir, "app"));
      assert.equal(result.ok, false);
      assert.equal(existsSync(join(dir, "escape.js")), false);
      assert.equal(existsSync(join(dir, "app")), false);
    });
  }

  it("refuses a file beside a folder of its name, and twins, before writing anything", () => {
    for (const [i, second] of [
      ["a", "a/b.js"],
      ["index.js ", null],
      ["cafe\u0301.js", "caf\u00e9.js"],
    ].entries()) {
      const entries = [
        { name: "index.js", data: "1" },
        { name: second[0] ?? "", data: "x" },
        ...(second[1] === null || second[1] === undefined ? [] : [{ name: second[1], data: "y" }]),
      ];
      const result = unpackBundle(writeZip(entries), LANGUAGE_TYPES.NodeJS, join(dir, `t${i}`));
      assert.equal(result.ok, false, JSON.stringify(entries.map((e) => e.name)));
      assert.equal(existsSync(join(dir, `t${i}`)), false, "nothing written");
    }
  });

  it("refuses symlinks and bombs that lie about their size", () => {
    const link = writeZip([
      { name: "index.js", data: "1" },
      { name: "link", data: "/etc/passwd", unixMode: 0o120777 },
    ]);
    assert.equal(unpackBundle(link, LANGUAGE_TYPES.NodeJS, join(dir, "a")).ok, false);
    const bomb = writeZip([{ name: "index.js", data: "0".repeat(1_000_000), declaredSize: 10 }]);
    const result = unpackBundle(bomb, LANGUAGE_TYPES.NodeJS, join(dir, "b"));
    assert.equal(result.ok, false);
    assert.match(result.ok ? "" : result.reason, /zip bomb|declared/);
  });

  it("refuses a bundle without the language's entry point, as the server does", () => {
    const result = unpackBundle(
      writeZip([{ name: "readme.txt", data: "hi" }]),
      LANGUAGE_TYPES.Python,
      join(dir, "app"),
    );
    assert.equal(result.ok, false);
    assert.match(result.ok ? "" : result.reason, /main\.py/);
  });
});
