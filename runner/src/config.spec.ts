import assert from "node:assert/strict";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
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
    writeFileSync(
      file,
      JSON.stringify({
        concurrency: 4,
        tags: ["gpu"],
        jobs: { build: { command: ["node", "build.js"], outputs: ["out/*.txt"], cwd: "scripts" } },
        review: { command: ["./review"] },
      }),
    );
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("takes flags over the file over defaults, and credentials from flags or the environment only", () => {
    const config = load(
      ["--api", "http://127.0.0.1:5000/", "--config", file, "--tags", "fast, gpu,fast", "--id", "r-1"],
      { RUNNER_TOKEN: "k.s" },
    );
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
    const config = load(["--api", "https://x", "--code-token", "c.s"]);
    assert.deepEqual(config.faces, ["code"]);
    assert.throws(() => load(["--api", "https://x", "--token", "k.s", "--faces", "jobs"]), /no job types/);
    assert.throws(() => load(["--api", "https://x", "--token", "k.s", "--faces", "workspace"]), /workspace-token/);
    assert.throws(
      () => load(["--api", "https://x", "--token", "k.s", "--faces", "jobs,ftp", "--config", file]),
      /Unknown face "ftp"/,
    );
    assert.throws(() => load(["--api", "https://x"]), /Nothing to serve/);
  });

  it("refuses bad values with a clear message", () => {
    const base = ["--api", "https://x", "--token", "k.s"];
    assert.throws(() => load(["--token", "k"]), ConfigError);
    assert.throws(() => load([...base, "--concurrency", "0"]), /--concurrency must be a whole number from 1/);
    assert.throws(() => load([...base, "--poll-ms", "10"]), /--poll-ms must be a whole number from 250/);
    assert.throws(() => load([...base, "--lease-wait-ms", "25001"]), /--lease-wait-ms must be a whole number from 0/);
    assert.equal(load([...base, "--lease-wait-ms", "20000"]).leaseWaitMs, 20_000);
    assert.equal(load(base).leaseWaitMs, 0, "polls unless told to wait");
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
    const a = load(["--api", "https://x", "--token", "k.s"]);
    const b = load(["--api", "https://x", "--token", "k.s"]);
    assert.notEqual(a.runnerId, b.runnerId);
    assert.match(a.runnerId, /^[A-Za-z0-9][A-Za-z0-9._-]*-[0-9a-f]{6}$/);
  });

  it("refuses plain http to another machine unless --insecure, and takes it to this one", () => {
    assert.throws(
      () => load(["--api", "http://runners.example.com", "--token", "k.s"]),
      /plain http to another machine.*--insecure/,
    );
    assert.throws(() => load(["--api", "http://10.0.0.5:5000", "--token", "k.s"]), /--insecure/);
    assert.throws(() => load(["--api", "https://user:pw@x", "--token", "k.s"]), /user name or password/);
    assert.equal(
      load(["--api", "http://runners.example.com", "--token", "k.s", "--insecure"]).api,
      "http://runners.example.com",
    );
    for (const api of ["http://127.0.0.1:5000", "http://localhost:5000", "http://[::1]:5000", "http://127.1.2.3"])
      assert.equal(load(["--api", api, "--token", "k.s"]).api, api);
  });

  it("reads credentials and a stable id from the default config file, which must be 0600", () => {
    const home = join(dir, "xdg");
    mkdirSync(join(home, "runnerplane"), { recursive: true });
    const path = join(home, "runnerplane", "runner.json");
    writeFileSync(
      path,
      JSON.stringify({
        api: "https://x",
        id: "build-7",
        credentials: { token: "k.from-file", codeToken: "c.from-file" },
      }),
      { mode: 0o600 },
    );
    const env = { XDG_CONFIG_HOME: home };
    const first = load([], env);
    assert.equal(first.runnerId, "build-7");
    assert.equal(first.token, "k.from-file");
    assert.equal(first.codeToken, "c.from-file");
    assert.equal(first.credentialSource, "config file");
    assert.ok(first.privatePaths.includes(path), "jobs must not read the config file");
    assert.equal(load([], env).runnerId, "build-7", "the same id at every start");
    const overridden = load(["--token", "k.flag"], env);
    assert.equal(overridden.token, "k.flag");
    assert.equal(overridden.credentialSource, "flags or environment");
    chmodSync(path, 0o644);
    assert.throws(() => load([], env), /readable by others \(mode 644\).*chmod 600/);
  });
});
