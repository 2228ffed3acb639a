import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const RUNNER_DIR = resolve(__dirname, "..");
const SERVER_PACKAGES = ["firebase-admin", "firebase-functions", "@google-cloud/firestore", "firebase-tools"];
const NPM = process.platform === "win32" ? "npm.cmd" : "npm";

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() || entry.isSymbolicLink())
    .map((entry) => join(entry.parentPath, entry.name));
}

/**
 * What a user does: `npm pack` the runner, install the tarball into an empty directory (offline:
 * the tarball carries everything it needs), run it. The install tree is checked for the server's
 * packages and measured.
 */
describe("runnerplane-runner package", function () {
  this.timeout(120_000);
  let dir = "";
  let tarball = "";
  const version = (JSON.parse(readFileSync(join(RUNNER_DIR, "package.json"), "utf8")) as { version: string }).version;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "rp-runner-pack-"));
    const packed = JSON.parse(
      execFileSync(NPM, ["pack", "--json", "--pack-destination", dir], {
        cwd: RUNNER_DIR,
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
      }),
    ) as { filename: string; files: { path: string }[] }[];
    tarball = join(dir, packed[0]?.filename ?? "");
    assert.ok(existsSync(tarball), "npm pack wrote the tarball");
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("installs from its tarball with npm i -g into an empty prefix, offline, and runs --version and --help", () => {
    const prefix = join(dir, "global");
    execFileSync(NPM, ["install", "--global", "--prefix", prefix, "--offline", "--no-audit", "--no-fund", tarball], {
      cwd: dir,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const bin = join(prefix, "bin", "runnerplane-runner");
    assert.equal(execFileSync(bin, ["--version"], { encoding: "utf8" }).trim(), `runnerplane-runner ${version}`);
    const help = execFileSync(bin, ["--help"], { encoding: "utf8" });
    for (const command of ["register", "run", "verify", "service install"])
      assert.ok(help.includes(command), `--help names ${command}`);

    const installed = join(prefix, "lib", "node_modules", "runnerplane-runner");
    const files = filesUnder(installed);
    const names = files.map((f) => f.slice(installed.length + 1)).sort();
    assert.deepEqual(
      names.filter((n) => n.includes("node_modules")),
      [],
      "no dependencies installed: they are bundled",
    );
    for (const pkg of SERVER_PACKAGES)
      assert.equal(existsSync(join(prefix, "lib", "node_modules", pkg)), false, `${pkg} is not installed`);
    const bundle = readFileSync(join(installed, "dist", "runnerplane-runner.js"), "utf8");
    for (const pkg of SERVER_PACKAGES)
      assert.equal(
        new RegExp(`require\\(["']${pkg.replace("/", "\\/")}`).test(bundle),
        false,
        `the bundle does not load ${pkg}`,
      );
    const bytes = files.reduce((sum, file) => sum + statSync(file).size, 0);
    process.stdout.write(
      `      installed size: ${(bytes / 1024).toFixed(0)} KiB in ${files.length} files (${names.join(", ")})\n`,
    );
    assert.ok(bytes < 2 * 1024 * 1024, `small: ${bytes} bytes`);
  });

  it("runs with npx from the tarball", () => {
    const out = execFileSync(
      NPM,
      ["exec", "--yes", "--offline", `--package=${tarball}`, "--", "runnerplane-runner", "--version"],
      {
        cwd: dir,
        encoding: "utf8",
        env: { ...process.env, npm_config_cache: join(dir, "npm-cache") },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    assert.equal(out.trim(), `runnerplane-runner ${version}`);
  });
});
