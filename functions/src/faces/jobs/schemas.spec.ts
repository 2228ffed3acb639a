import assert from "node:assert/strict";
import { appendLogsBody, createJobBody, storableObject } from "./schemas";
import { artifactName } from "./upload";

describe("jobs face schemas", () => {
  it("storableObject refuses what Firestore cannot store", () => {
    assert.equal(storableObject.safeParse({ a: [1, { b: [2] }] }).success, true);
    assert.equal(storableObject.safeParse({ a: [[1]] }).success, false, "array in array");
    assert.equal(storableObject.safeParse({ "": 1 }).success, false, "empty key");
    assert.equal(storableObject.safeParse({ __name__: 1 }).success, false, "reserved key");
    let deep: Record<string, unknown> = {};
    for (let i = 0; i < 20; i++) deep = { d: deep };
    assert.equal(storableObject.safeParse(deep).success, false, "too deep");
    assert.equal(storableObject.safeParse([1]).success, false, "not an object");
  });

  it("createJobBody needs type, workflowPath, params; children names unique and id-safe", () => {
    const base = { type: "build", workflowPath: "workflows/job/workflow.md", params: {} };
    assert.equal(createJobBody.safeParse(base).success, true);
    assert.equal(createJobBody.safeParse({ type: "build", params: {} }).success, false);
    assert.equal(createJobBody.safeParse({ ...base, params: "x" }).success, false);
    assert.equal(createJobBody.safeParse({ ...base, extra: 1 }).success, false, "strict");
    assert.equal(createJobBody.safeParse({ ...base, children: [{ name: "a" }, { name: "a" }] }).success, false);
    assert.equal(createJobBody.safeParse({ ...base, children: [{ name: "a b" }] }).success, false);
    assert.equal(
      createJobBody.safeParse({ ...base, children: [{ name: "a", start: "manual" }, { name: "b-2" }] }).success,
      true,
    );
  });

  it("log lines may be strings or {line, stream}", () => {
    const parsed = appendLogsBody.parse({
      runnerId: "r1",
      leaseToken: "t",
      offset: 0,
      lines: ["a", { line: "b", stream: "stderr" }, { line: "c" }],
    });
    assert.deepEqual(parsed.lines, [
      { line: "a", stream: "log" },
      { line: "b", stream: "stderr" },
      { line: "c", stream: "log" },
    ]);
    assert.equal(
      appendLogsBody.safeParse({ runnerId: "r1", leaseToken: "t", offset: -1, lines: ["a"] }).success,
      false,
    );
  });

  it("artifact names are relative paths without control characters", () => {
    for (const ok of ["report.txt", "out/logs/a.json", "ünïcode.md"])
      assert.equal(artifactName.safeParse(ok).success, true, ok);
    for (const bad of ["", "/etc/passwd", "../x", "a//b", "a/./b", "a\nb", "a\\b"])
      assert.equal(artifactName.safeParse(bad).success, false, bad);
  });
});
