import assert from "node:assert/strict";
import { applyPatch, parsePatch, PatchError } from "./applyPatch";

const file = ["# Review rules", "", "- keep functions short", "- name constants", "- test the edges", ""].join("\n");

describe("applyPatch (unified diff)", () => {
  it("applies a git-style patch with headers and context", () => {
    const patch = [
      "diff --git a/rules.md b/rules.md",
      "index 1111111..2222222 100644",
      "--- a/rules.md",
      "+++ b/rules.md",
      "@@ -2,4 +2,5 @@",
      " ",
      " - keep functions short",
      "-- name constants",
      "+- name every constant",
      "+- no bare numbers",
      " - test the edges",
    ].join("\n");
    assert.equal(
      applyPatch(file, patch),
      "# Review rules\n\n- keep functions short\n- name every constant\n- no bare numbers\n- test the edges\n",
    );
  });

  it("applies at an offset when lines were added above, and several hunks in order", () => {
    const moved = "intro\nmore intro\n" + file;
    const patch =
      "@@ -1,1 +1,1 @@\n-# Review rules\n+# Rules\n@@ -5,1 +5,1 @@\n-- test the edges\n+- test edges first\n";
    assert.equal(
      applyPatch(moved, patch),
      "intro\nmore intro\n# Rules\n\n- keep functions short\n- name constants\n- test edges first\n",
    );
  });

  it("creates a file from /dev/null", () => {
    const patch = "--- /dev/null\n+++ b/new.md\n@@ -0,0 +1,2 @@\n+# New\n+body\n";
    assert.equal(parsePatch(patch).creates, true);
    assert.equal(applyPatch("", patch), "# New\nbody\n");
  });

  it("honours '\\ No newline at end of file' on either side", () => {
    assert.equal(applyPatch("a\nb", "@@ -2 +2 @@\n-b\n\\ No newline at end of file\n+c\n"), "a\nc\n");
    assert.equal(applyPatch("a\nb\n", "@@ -2 +2 @@\n-b\n+c\n\\ No newline at end of file\n"), "a\nc");
  });

  it("refuses a hunk whose context does not match, naming it, and changes nothing", () => {
    const patch = "@@ -3,2 +3,2 @@\n - keep functions short\n-- name all the things\n+- x\n";
    assert.throws(
      () => applyPatch(file, patch),
      (e: unknown) => e instanceof PatchError && e.hunk === 1 && /does not match/.test(e.message),
    );
  });

  it("refuses malformed patches: no hunks, wrong counts, stray lines, two files", () => {
    for (const bad of [
      "just some text",
      "@@ -1,2 +1,2 @@\n-a\n+b\n",
      "--- a/x.md\n+++ b/x.md\n@@ -1 +1 @@\n-a\n+b\n--- a/y.md\n+++ b/y.md\n@@ -1 +1 @@\n-a\n+b\n",
      "@@ -1 +1 @@\n*a\n+b\n",
    ])
      assert.throws(() => applyPatch("a\n", bad), PatchError, bad);
  });

  it("does not apply a hunk above the previous one", () => {
    const text = "x\ny\nx\n";
    // The second hunk's x must be found below the first's change, not at line 1 again.
    assert.equal(applyPatch(text, "@@ -1 +1 @@\n-x\n+X\n@@ -1 +1 @@\n-x\n+Z\n"), "X\ny\nZ\n");
    assert.throws(() => applyPatch("x\n", "@@ -1 +1 @@\n-x\n+X\n@@ -1 +1 @@\n-x\n+Z\n"), PatchError);
  });
});
