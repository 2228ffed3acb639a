import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { processAlive as alive } from "../../../test/harness/processes";
import { ChildRun, exitStatusOf, TIMEOUT_EXIT_STATUS, type ChildSpec } from "./child";

function spec(command: string[], extra: Partial<ChildSpec> = {}): ChildSpec {
  return {
    command,
    cwd: tmpdir(),
    env: { PATH: process.env.PATH ?? "" },
    stdin: "",
    timeoutMs: 0,
    controlChannel: false,
    maxLineChars: 1000,
    ...extra,
  };
}

describe("ChildRun", () => {
  let dir = "";
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), "rp-child-spec-"))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("streams lines, passes stdin, reports the exit code", async () => {
    const lines: string[] = [];
    const run = new ChildRun(
      spec(
        [
          process.execPath,
          "-e",
          "let s='';process.stdin.on('data',d=>s+=d).on('end',()=>{console.log('got '+s);console.error('warn');process.exit(3)})",
        ],
        {
          stdin: '{"n":1}',
          onLine: (line, stream) => lines.push(`${stream}:${line}`),
        },
      ),
    );
    const exit = await run.exited;
    assert.equal(exit.code, 3);
    assert.equal(exitStatusOf(exit), 3);
    assert.deepEqual(lines.sort(), ["stderr:warn", 'stdout:got {"n":1}']);
  });

  it("stop() kills the whole process group, grandchildren included", async () => {
    const pidFile = join(dir, "grandchild.pid");
    const script = `const {spawn}=require('child_process');const g=spawn(process.execPath,['-e','setInterval(()=>{},1000)'],{stdio:'ignore'});require('fs').writeFileSync(${JSON.stringify(pidFile)},String(g.pid));console.log('ready');setInterval(()=>{},1000);`;
    let ready: () => void = () => undefined;
    const started = new Promise<void>((resolve) => (ready = resolve));
    const run = new ChildRun(spec([process.execPath, "-e", script], { onLine: (line) => line === "ready" && ready() }));
    await started;
    const grandchild = Number(readFileSync(pidFile, "utf8"));
    assert.ok(alive(grandchild));
    run.stop();
    const exit = await run.exited;
    assert.equal(exit.stopped, true);
    assert.equal(exit.signal, "SIGTERM");
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(alive(grandchild), false, "the grandchild died with its group");
  });

  it("delivers messages on the control channel (fd 3)", async () => {
    const lines: string[] = [];
    let ready: () => void = () => undefined;
    const started = new Promise<void>((resolve) => (ready = resolve));
    const script =
      "const rl=require('readline').createInterface({input:require('fs').createReadStream(null,{fd:3})});console.log('ready');rl.on('line',l=>{console.log('control '+l);process.exit(0)})";
    const run = new ChildRun(
      spec([process.execPath, "-e", script], {
        controlChannel: true,
        onLine: (line) => {
          lines.push(line);
          if (line === "ready") ready();
        },
      }),
    );
    await started;
    run.send({ type: "message", seq: 1, text: "hello" });
    const exit = await run.exited;
    assert.equal(exit.code, 0);
    assert.deepEqual(lines, ["ready", 'control {"type":"message","seq":1,"text":"hello"}']);
  });

  it("ends a run past its time limit and says so", async () => {
    const run = new ChildRun(spec([process.execPath, "-e", "setInterval(()=>{},1000)"], { timeoutMs: 200 }));
    const exit = await run.exited;
    assert.equal(exit.timedOut, true);
    assert.equal(exit.stopped, false);
    assert.equal(exitStatusOf(exit), TIMEOUT_EXIT_STATUS);
  });

  it("reports a program that cannot start", async () => {
    const exit = await new ChildRun(spec(["/nonexistent/program"])).exited;
    assert.match(exit.spawnError ?? "", /ENOENT/);
  });
});
