import assert from "node:assert/strict";
import { DEFAULT_MAX_CONCURRENCY, MAX_CONCURRENCY } from "../../core/runners/limits";
import { MAX_CAPABILITIES } from "../../../../contract/src/capabilities";
import {
  claimQuery,
  heartbeatBody,
  logsBody,
  MAX_LOG_LINE_CHARS,
  MAX_LOG_LINES,
  namedRunner,
  newTaskBody,
  registrationHeaders,
  registrationOf,
  registrationOffer,
  resultBody,
} from "./schemas";

function register(headers: Record<string, string>) {
  return registrationHeaders.safeParse({ host: "x", ...headers });
}

describe("fleet registration headers", () => {
  it("fills seed 004's defaults", () => {
    const parsed = register({ "x-runner-id": "runner-001" });
    assert.ok(parsed.success);
    assert.deepEqual(registrationOf(parsed.data), {
      runnerId: "runner-001",
      name: "runner-001",
      version: "unknown",
      os: "unknown",
      arch: "unknown",
      tags: [],
      maxConcurrency: DEFAULT_MAX_CONCURRENCY,
    });
  });

  it("splits, trims and de-duplicates tags; blank headers count as absent", () => {
    const parsed = register({ "x-runner-id": "r", "x-runner-tags": " gpu, fast ,,gpu", "x-runner-name": "  " });
    assert.ok(parsed.success);
    assert.deepEqual(registrationOf(parsed.data).tags, ["gpu", "fast"]);
    assert.equal(registrationOf(parsed.data).name, "r");
  });

  it("takes max concurrency 1 to the cap and refuses 0, one past the cap, and non-integers", () => {
    assert.ok(register({ "x-runner-id": "r", "x-runner-max-concurrency": "1" }).success);
    assert.ok(register({ "x-runner-id": "r", "x-runner-max-concurrency": String(MAX_CONCURRENCY) }).success);
    for (const bad of ["0", String(MAX_CONCURRENCY + 1), "2.5", "-1", "five"]) {
      assert.ok(!register({ "x-runner-id": "r", "x-runner-max-concurrency": bad }).success, bad);
    }
  });

  it("refuses a missing id, reserved words and characters that do not fit a path", () => {
    const cases: Record<string, string>[] = [
      {},
      { "x-runner-id": "tasks" },
      { "x-runner-id": "register" },
      { "x-runner-id": "a/b" },
      { "x-runner-id": ".hidden" },
    ];
    for (const bad of cases) {
      assert.ok(!register(bad).success, JSON.stringify(bad));
    }
  });
});

describe("what a fleet runner offers (our optional additions to seed 004)", () => {
  it("registration: x-runner-capabilities and x-runner-plugins, comma-separated, under the jobs API's rules", () => {
    const parsed = register({
      "x-runner-id": "r",
      "x-runner-capabilities": " llm, git ,",
      "x-runner-plugins": "github",
    });
    assert.ok(parsed.success);
    assert.deepEqual(registrationOffer(parsed.data), { capabilities: ["llm", "git"], plugins: ["github"] });
    // Seed 004's own fields are untouched by them.
    const plain = register({ "x-runner-id": "r" });
    assert.ok(plain.success);
    assert.deepEqual(registrationOf(parsed.data), registrationOf(plain.data));
    // Neither header (or blank ones): no offer at all, as a jobs-API runner that sends none.
    assert.equal(registrationOffer(plain.data), null);
    const blank = register({ "x-runner-id": "r", "x-runner-capabilities": " ", "x-runner-plugins": "" });
    assert.ok(blank.success);
    assert.equal(registrationOffer(blank.data), null);
    const onlyPlugins = register({ "x-runner-id": "r", "x-runner-plugins": "a,b" });
    assert.ok(onlyPlugins.success);
    assert.deepEqual(registrationOffer(onlyPlugins.data), { plugins: ["a", "b"] });
  });

  it("registration: refuses what the jobs API refuses (names, duplicates, too many)", () => {
    const tooMany = Array.from({ length: MAX_CAPABILITIES + 1 }, (_, i) => `c${i}`).join(",");
    const cases: Record<string, string>[] = [
      { "x-runner-capabilities": "LLM" },
      { "x-runner-capabilities": "git,git" },
      { "x-runner-capabilities": tooMany },
      { "x-runner-capabilities": "x".repeat(5000) },
      { "x-runner-plugins": "a/b" },
      { "x-runner-plugins": "gh,gh" },
    ];
    for (const bad of cases) {
      assert.ok(!register({ "x-runner-id": "r", ...bad }).success, JSON.stringify(bad).slice(0, 80));
    }
  });

  it("heartbeat: seed 004's body alone, or with capabilities and plugins", () => {
    assert.deepEqual(heartbeatBody.parse({ status: "online", currentJobs: 0 }), { status: "online", currentJobs: 0 });
    assert.deepEqual(heartbeatBody.parse({ status: "busy", currentJobs: 2, capabilities: ["llm"], plugins: [] }), {
      status: "busy",
      currentJobs: 2,
      capabilities: ["llm"],
      plugins: [],
    });
    for (const bad of [
      { capabilities: ["Git"] },
      { capabilities: "git" },
      { capabilities: ["git", "git"] },
      { plugins: ["../x"] },
      { capabilities: Array.from({ length: MAX_CAPABILITIES + 1 }, (_, i) => `c${i}`) },
    ])
      assert.ok(!heartbeatBody.safeParse({ status: "online", currentJobs: 0, ...bad }).success, JSON.stringify(bad));
  });
});

describe("fleet task bodies", () => {
  it("logs: 1 to 200 lines, each at most the line cap", () => {
    const line = (n: number) => "x".repeat(n);
    assert.ok(logsBody.safeParse({ logs: [line(MAX_LOG_LINE_CHARS)] }).success);
    assert.ok(logsBody.safeParse({ logs: Array.from({ length: MAX_LOG_LINES }, () => "l") }).success);
    assert.ok(!logsBody.safeParse({ logs: [] }).success);
    assert.ok(!logsBody.safeParse({ logs: Array.from({ length: MAX_LOG_LINES + 1 }, () => "l") }).success);
    assert.ok(!logsBody.safeParse({ logs: [line(MAX_LOG_LINE_CHARS + 1)] }).success);
  });

  it("result: refuses what Firestore could not store, instead of failing the commit", () => {
    const base = { runnerId: "r", status: "success", files: [], totalComments: 0, metrics: {} };
    assert.ok(resultBody.safeParse(base).success);
    assert.ok(!resultBody.safeParse({ ...base, metrics: { spans: [[1, 2]] } }).success);
    assert.ok(!resultBody.safeParse({ ...base, files: [{ "": 1 }] }).success);
    assert.ok(!resultBody.safeParse({ ...base, rating: "E" }).success);
  });

  it("claim limit: a whole number from 1 to the cap", () => {
    assert.equal(claimQuery.parse({ runnerId: "r" }).limit, undefined);
    assert.equal(claimQuery.parse({ runnerId: "r", limit: "3" }).limit, 3);
    for (const bad of ["0", "1.5", "-2", "lots", String(MAX_CONCURRENCY + 1)])
      assert.ok(!claimQuery.safeParse({ runnerId: "r", limit: bad }).success, bad);
  });

  it("a runner named twice must be named the same", () => {
    assert.equal(namedRunner(undefined, undefined), null);
    assert.equal(namedRunner("a", undefined), "a");
    assert.equal(namedRunner("a", "a"), "a");
    assert.throws(() => namedRunner("a", "b"), /different runners/);
  });
});

describe("review task bodies", () => {
  const task = {
    repositoryUrl: "https://example.org/repo.git",
    branch: "main",
    commitSha: "abcdef1",
    files: [{ path: "src/a.ts", status: "modified" }],
    aiConfig: { agentType: "claude" },
  };

  it("accepts an ordinary task", () => {
    assert.ok(newTaskBody.safeParse(task).success);
    assert.ok(
      newTaskBody.safeParse({
        ...task,
        branch: "feature/-x",
        files: [{ path: "a/-b.ts", status: "renamed", previousPath: "a/b.ts" }],
      }).success,
      "a dash inside is fine",
    );
  });

  it("refuses a branch, path, previous path or repository URL that git would read as an option", () => {
    for (const bad of [
      { ...task, branch: "--upload-pack=touch /tmp/x" },
      { ...task, branch: "-b" },
      { ...task, files: [{ path: "--output=/etc/passwd", status: "added" }] },
      { ...task, files: [{ path: "a.ts", status: "renamed", previousPath: "-x" }] },
      { ...task, repositoryUrl: "-oProxyCommand=sh@host:x" },
    ]) {
      const result = newTaskBody.safeParse(bad);
      assert.ok(!result.success, JSON.stringify(bad));
      assert.ok(
        result.error.issues.some((i) => i.message === "must not start with '-'"),
        JSON.stringify(result.error.issues),
      );
    }
  });
});
