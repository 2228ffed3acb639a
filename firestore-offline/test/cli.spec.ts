// The CLI (src/main.ts) as the local stack runs it: ready line, export on SIGTERM, exit codes.
// These tests exercise firestore-offline's own entry point whatever the conformance target.

import * as assert from "node:assert/strict";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { promises as fs } from "node:fs";
import { spawn, type ChildProcess } from "node:child_process";
import { PROCESS_START_MS, TEST_TIMEOUT_MS, waitFor } from "./harness";

const MAIN = path.join(__dirname, "..", "src", "main.ts");

interface Cli {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

function runCli(args: string[]): Cli {
  const child = spawn(process.execPath, ["--require", require.resolve("tsx/cjs"), MAIN, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let [out, err] = ["", ""];
  child.stdout?.on("data", (chunk: Buffer) => (out += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exited };
}

describe("firestore-offline: CLI", function () {
  this.timeout(TEST_TIMEOUT_MS);
  let dataDir = "";
  const children: ChildProcess[] = [];
  beforeEach(async () => {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), "firestore-offline-cli-"));
  });
  afterEach(async () => {
    for (const child of children.splice(0)) if (child.exitCode === null) child.kill("SIGKILL");
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  it("prints the ready line, serves, and exports then exits 0 on SIGTERM", async () => {
    const cli = runCli(["--port", "0", "--data", dataDir]);
    children.push(cli.child);
    const ready = /offline firestore listening on 127\.0\.0\.1:(\d+)\n/;
    await waitFor(() => ready.test(cli.stdout()) || cli.child.exitCode !== null, "the ready line", PROCESS_START_MS);
    const port = Number(ready.exec(cli.stdout())?.[1]);
    assert.ok(port > 0, `no ready line; stderr: ${cli.stderr()}`);

    assert.equal(await (await fetch(`http://127.0.0.1:${port}/`)).text(), "Ok");
    cli.child.kill("SIGTERM");
    assert.equal(await cli.exited, 0, cli.stderr());
    const exported = JSON.parse(await fs.readFile(path.join(dataDir, "documents.json"), "utf8")) as { format: string };
    assert.equal(exported.format, "firestore-offline/v1");
  });

  it("exits 1 with a clear message when the port is in use", async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    try {
      const address = blocker.address();
      assert.ok(address !== null && typeof address === "object");
      const cli = runCli(["--port", String(address.port)]);
      children.push(cli.child);
      assert.equal(await cli.exited, 1);
      assert.match(cli.stderr(), new RegExp(`Port ${address.port} on 127\\.0\\.0\\.1 is already in use`));
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });
});
