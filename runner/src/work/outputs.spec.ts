import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { contentTypeOf, findOutputs, outputMatcher } from "./outputs";

describe("outputs", () => {
  it("globs: * and ? stay within a segment, ** crosses them, braces and classes work", () => {
    const m = (p: string, path: string) => outputMatcher([p])(path);
    assert.ok(m("out/*.txt", "out/a.txt"));
    assert.ok(!m("out/*.txt", "out/sub/a.txt"));
    assert.ok(m("out/**/*.txt", "out/a.txt"));
    assert.ok(m("out/**/*.txt", "out/x/y/a.txt"));
    assert.ok(m("**", "any/thing"));
    assert.ok(m("./report-?.json", "report-1.json"));
    assert.ok(!m("report-?.json", "report-10.json"));
    assert.ok(!m("a.b", "axb"), "dots are literal");
    assert.ok(m("dist/*.{js,map}", "dist/app.js"));
    assert.ok(m("dist/*.{js,map}", "dist/app.map"));
    assert.ok(!m("dist/*.{js,map}", "dist/app.css"));
    assert.ok(m("out/[ab].txt", "out/a.txt") && m("out/[ab].txt", "out/b.txt"));
    assert.ok(!m("out/[ab].txt", "out/c.txt"));
    assert.ok(m("out/*.txt", "out/.hidden.txt"), "a job's dot files are outputs too");
  });

  it("finds regular files only, sorted, never following links", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rp-outputs-spec-"));
    try {
      mkdirSync(join(dir, "out", "deep"), { recursive: true });
      writeFileSync(join(dir, "out", "b.txt"), "b");
      writeFileSync(join(dir, "out", "a.txt"), "a");
      writeFileSync(join(dir, "out", "deep", "c.txt"), "c");
      writeFileSync(join(dir, "out", "skip.log"), "x");
      symlinkSync("/etc/hostname", join(dir, "out", "link.txt"));
      assert.deepEqual(await findOutputs(dir, ["out/*.txt"]), ["out/a.txt", "out/b.txt"]);
      assert.deepEqual(await findOutputs(dir, ["out/**/*.txt"]), ["out/a.txt", "out/b.txt", "out/deep/c.txt"]);
      assert.deepEqual(await findOutputs(dir, []), []);
      assert.deepEqual(await findOutputs(dir, ["out/[ab].txt", "out/*.{log,json}"]), [
        "out/a.txt",
        "out/b.txt",
        "out/skip.log",
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("names content types the server accepts", () => {
    assert.equal(contentTypeOf("x/report.JSON"), "application/json");
    assert.equal(contentTypeOf("a.txt"), "text/plain; charset=utf-8");
    assert.equal(contentTypeOf("blob"), "application/octet-stream");
  });
});
