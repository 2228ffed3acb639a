import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, DEFAULTS, loadConfig, type RunnerConfig } from "./config";

function load(argv: string[], env: NodeJS.ProcessEnv = {}): RunnerConfig {
  const config = loadConfig(argv, env);
  assert.notEqual(config, "help");
  return config as RunnerConfig;
}

describe("runner configuration", () => {
  let dir = "";
  let file = "";
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "rp-config-spec-"));
    file = join(dir, "runner.json");
    writeFileSync(file, JSON.stringify({ concurrency: 4, tags: ["gpu"], jobs: { build: { command: ["node", "build.js"], outputs: ["out/*.txt"], cwd: "scripts" } }, review: { command: ["./review"] } }));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("takes flags over the file over defaults, and credentials from flags or the environment only", () => {
    const config = load(["--api", "http://127.0.0.1:5000/", "--config", file, "--tags", "fast, gpu,fast", "--id", "r-1"], { RUNNER_TOKEN: "k.s" });
    assert.equal(config.api, "http://127.0.0.1:5000");
    assert.equal(config.token, "k.s");
    assert.equal(config.concurrency, 4);
    assert.deepEqual(config.tags, ["fast", "gpu"]);
    assert.equal(config.runnerId, "r-1");
    assert.equal(config.heartbeatMs, DEFAULTS.heartbeatMs);
    assert.equal(config.jobs.build?.cwd, join(dir, "scripts"), "cwd is relative to the config file");
    assert.deepEqual(config.jobs.build?.command, ["node", "build.js"], "plain words stay as they are");
    assert.deepEqual(config.review?.command, [join(dir, "review")], "./ words are relative to the config file");
    assert.deepEqual(config.faces, ["jobs", "fleet"], "only faces with what they need");
  });

  it("serves the Coderunner face with its own key, and refuses faces that cannot run", () => {
    const config = load(["--api", "http://x", "--code-token", "c.s"]);
    assert.deepEqual(config.faces, ["code"]);
    assert.throws(() => load(["--api", "http://x", "--token", "k.s", "--faces", "jobs"]), /no job types/);
    assert.throws(() => load(["--api", "http://x", "--token", "k.s", "--faces", "workspace"]), /workspace-token/);
    assert.throws(() => load(["--api", "http://x", "--token", "k.s", "--faces", "jobs,ftp", "--config", file]), /Unknown face "ftp"/);
    assert.throws(() => load(["--api", "http://x"]), /Nothing to serve/);
  });

  it("refuses bad values with a clear message", () => {
    const base = ["--api", "http://x", "--token", "k.s"];
    assert.throws(() => load(["--token", "k"]), ConfigError);
    assert.throws(() => load([...base, "--concurrency", "0"]), /--concurrency must be a whole number from 1/);
    assert.throws(() => load([...base, "--poll-ms", "10"]), /--poll-ms must be a whole number from 250/);
    assert.throws(() => load([...base, "--id", "has space"]), /--id/);
    assert.throws(() => load([...base, "--id", "tasks"]), /--id/, "a word the fleet routes reserve");
    assert.throws(() => load([...base, "--tags", "a b"]), /Tag "a b"/);
    writeFileSync(file, JSON.stringify({ jobs: { x: { command: [] } } }));
    assert.throws(() => load([...base, "--config", file]), /jobs\.x\.command/);
    writeFileSync(file, JSON.stringify({ token: "in-file" }));
    assert.throws(() => load([...base, "--config", file]), /token/, "credentials do not belong in the file");
  });

  it("answers --help, and makes a per-process id by default", () => {
    assert.equal(loadConfig(["--help"], {}), "help");
    const a = load(["--api", "http://x", "--token", "k.s"]);
    const b = load(["--api", "http://x", "--token", "k.s"]);
    assert.notEqual(a.runnerId, b.runnerId);
    assert.match(a.runnerId, /^[A-Za-z0-9][A-Za-z0-9._-]*-[0-9a-f]{6}$/);
  });
});
