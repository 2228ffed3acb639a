import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { hostileReport, hostileSource, processesWith } from "../../../test/harness/hostile";
import { ChildRun } from "./child";
import { Sandbox } from "./sandbox";

const SECRET = `rp-secret-${process.pid}-${Date.now()}`;

describe("job sandbox", function () {
  this.timeout(30_000);
  const sandbox = Sandbox.detect(`spec-${process.pid}`);
  let dir = "";
  before(function () {
    // Said plainly, whatever the machine: which protections this run could test.
    process.stdout.write(`      sandbox on this machine: ${sandbox.describe()}\n`);
    if (!sandbox.available) this.skip();
  });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "rp-sandbox-spec-"));
    chmodSync(dir, 0o777);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  after(() => sandbox.close());

  it("keeps a hostile job from other processes' secrets, from files it was not given, and from outliving itself", async () => {
    // A process of the same user holding a secret, as the runner holds its credentials.
    const holder = spawn("sleep", ["60"], { env: { ...process.env, RUNNER_CODE_TOKEN: SECRET }, stdio: "ignore" });
    const privateFile = join(dir, "runner.json");
    writeFileSync(privateFile, JSON.stringify({ credentials: { token: SECRET } }), { mode: 0o600 });
    const work = join(dir, "work");
    const marker = `rp-marker-${process.pid}-${Date.now()}`;
    const lateFile = join(dir, "late.txt");
    mkdirSync(work);
    writeFileSync(
      join(work, "hostile.js"),
      `${hostileSource(marker, lateFile)}\ntry { require("fs").writeSync(1, "CONFIG " + require("fs").readFileSync(${JSON.stringify(privateFile)}, "utf8") + "\\n"); } catch (e) { require("fs").writeSync(1, "CONFIG unreadable " + e.code + "\\n"); }\n`,
    );
    let output = "";
    try {
      const child = new ChildRun({
        command: [process.execPath, join(work, "hostile.js")],
        cwd: work,
        env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
        stdin: "",
        timeoutMs: 20_000,
        controlChannel: false,
        maxLineChars: 1 << 20,
        onChunk: (chunk) => (output += chunk.toString("utf8")),
        confine: {
          sandbox,
          confinement: {
            name: `spec-${Date.now()}`,
            memoryMiB: 64,
            cpuMillis: 500,
            maxProcesses: 32,
            network: false,
            readOnlyRoot: true,
            writable: [work],
            hidden: [privateFile],
          },
        },
      });
      const exit = await child.exited;
      assert.ok(!output.includes(SECRET), "no secret in anything the job could read");
      assert.match(output, /SEEN /, "it did look");
      assert.match(output, /CONFIG (unreadable|\n)/, "the runner's config file reads as nothing");
      const report = hostileReport(output);
      assert.ok(report !== null, output.slice(-2000));
      assert.ok(report.procs < 10, `it saw only its own processes (${report.procs} in its /proc)`);
      if (sandbox.report.cgroups !== null) {
        assert.ok(report.started < 200 && report.refused > 0, `process limit held: ${JSON.stringify(report)}`);
        assert.ok(!output.includes("ALLOCATED"), "512 MiB never fit in 64 MiB");
        assert.equal(exit.memoryLimitHit, true, "the memory limit stopped it");
      }
      // Nothing of it is left, and nothing it started writes afterwards.
      assert.deepEqual(processesWith(marker), []);
      await new Promise((resolve) => setTimeout(resolve, 4_500));
      assert.equal(existsSync(lateFile), false, "the setsid child wrote nothing after the job ended");
      assert.deepEqual(processesWith(marker), []);
    } finally {
      holder.kill("SIGKILL");
    }
  });
});
