/**
 * The fault test of the local stack (docs/local-stack.md, "A stack that loses nothing"):
 * `npm exec tsx scripts/start.ts` (what `npm start` runs after its build) on a data directory
 * of its own; a burst of Auth sign-ups and Firestore writes; SIGKILL of the top process (npm)
 * in the middle of it; then no process of the recorded tree may be left, and a restart on the
 * same directory must hold every write that was acknowledged.
 *
 * It needs the stack's fixed ports, so it runs on its own (`npm run test:fault`, part of
 * `npm test` after the integration suite), never beside another stack. Needs `npm run build`.
 */
import * as assert from "node:assert/strict";
import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Firestore } from "@google-cloud/firestore";
import { PORTS, PROJECT_ID, ROOT } from "../../scripts/stack";
import { isAlive } from "../../scripts/processTree";

const READY = /Runnerplane API ready/;
const AUTH = `http://127.0.0.1:${PORTS.auth}`;

interface Started {
  top: ChildProcess;
  output: () => string;
}

/** Each start's output goes to .runnerplane/fault-<n>.log too (outside git), for a failed run. */
let starts = 0;

function startStack(dataDir: string): Started {
  // Its own process group led by npm, as a shell with job control starts `npm start`; its own
  // offline Firestore (the client's FIRESTORE_EMULATOR_HOST would make it use an outside one).
  const env = { ...process.env };
  delete env.FIRESTORE_EMULATOR_HOST;
  const top = spawn(
    "npm",
    ["exec", "--offline", "--", "tsx", "scripts/start.ts", "--data", dataDir, "--no-scheduler"],
    {
      cwd: ROOT,
      env,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  const logFile = join(ROOT, ".runnerplane", `fault-${++starts}.log`);
  writeFileSync(logFile, "");
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-50_000);
    appendFileSync(logFile, chunk);
  };
  top.stdout?.on("data", keep);
  top.stderr?.on("data", keep);
  return { top, output: () => output };
}

async function waitFor(check: () => boolean, what: string, ms: number, output?: () => string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms / 1000}s\n${output?.().slice(-3000) ?? ""}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** `pid` and every process below it (by parent pid), with their command lines. */
function processTree(pid: number): Map<number, string> {
  const rows = execFileSync("ps", ["-eo", "pid=,ppid=,args="], { encoding: "utf8" })
    .split("\n")
    .map((line) => /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ pid: Number(m[1]), ppid: Number(m[2]), args: m[3] ?? "" }));
  const tree = new Map<number, string>();
  const visit = (p: number) => {
    for (const row of rows)
      if (row.ppid === p && !tree.has(row.pid)) {
        tree.set(row.pid, row.args);
        visit(row.pid);
      }
  };
  tree.set(pid, rows.find((r) => r.pid === pid)?.args ?? "");
  visit(pid);
  return tree;
}

async function signUp(email: string): Promise<string> {
  const response = await fetch(`${AUTH}/identitytoolkit.googleapis.com/v1/accounts:signUp?key=fake-api-key`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password: "password-123", returnSecureToken: true }),
  });
  if (!response.ok) throw new Error(`signUp ${response.status}`);
  return ((await response.json()) as { localId: string }).localId;
}

async function authUsers(): Promise<Set<string>> {
  const response = await fetch(
    `${AUTH}/identitytoolkit.googleapis.com/v1/projects/${PROJECT_ID}/accounts:batchGet?maxResults=-1`,
    { headers: { authorization: "Bearer owner" } },
  );
  assert.equal(response.status, 200);
  const body = (await response.json()) as { users?: { localId: string }[] };
  return new Set((body.users ?? []).map((u) => u.localId));
}

describe("local stack: kill -9 of npm start", function () {
  this.timeout(600_000);
  const dataDir = mkdtempSync(join(tmpdir(), "runnerplane-fault-"));
  const tops: ChildProcess[] = [];
  after(() => {
    for (const top of tops) if (top.pid !== undefined && isAlive(top.pid)) process.kill(-top.pid, "SIGKILL");
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("leaves no process behind and loses no acknowledged write", async () => {
    const first = startStack(dataDir);
    tops.push(first.top);
    const topPid = first.top.pid ?? 0;
    await waitFor(() => READY.test(first.output()), "the stack to start", 180_000, first.output);

    process.env.FIRESTORE_EMULATOR_HOST = `127.0.0.1:${PORTS.firestore}`;
    const db = new Firestore({ projectId: PROJECT_ID });
    const users: string[] = [];
    const docs: string[] = [];
    let stop = false;
    const userWriter = async (w: number) => {
      for (let i = 0; !stop; i++) {
        try {
          users.push(await signUp(`fault-${w}-${i}@example.test`));
        } catch {
          return;
        }
      }
    };
    const docWriter = async (w: number) => {
      for (let i = 0; !stop; i++) {
        const id = `d${w}-${i}`;
        try {
          await db.doc(`faultBurst/${id}`).set({ w, i, at: Date.now() });
          docs.push(id);
        } catch {
          return;
        }
      }
    };
    // Each writer stops issuing at the kill; a request in flight then counts if it is answered.
    const writers = [0, 1, 2].map(userWriter).concat([0, 1, 2, 3].map(docWriter));
    await waitFor(() => users.length >= 30 && docs.length >= 200, "a burst of acknowledged writes", 60_000);

    // Everything this `npm start` runs: npm, tsx, the stack, the watchdog, the offline Firestore,
    // firebase-tools and the functions emulator's workers (/health, called at start, made one).
    const tree = processTree(topPid);
    assert.ok(
      [...tree.values()].some((args) => args.includes("functionsEmulatorRuntime")),
      `a functions worker runs: ${[...tree.values()].join("\n")}`,
    );
    process.kill(topPid, "SIGKILL");
    stop = true;
    await Promise.race([Promise.all(writers), new Promise((r) => setTimeout(r, 10_000))]);
    const acknowledged = { users: [...users], docs: [...docs] };
    console.log(
      `      killed npm (${topPid}) after ${acknowledged.users.length} users and ${acknowledged.docs.length} documents; watching ${tree.size} processes`,
    );
    void db.terminate().catch(() => undefined);

    await waitFor(() => [...tree.keys()].every((pid) => !isAlive(pid)), "every stack process to end", 90_000);
    const left = [...tree].filter(([pid]) => isAlive(pid));
    assert.deepEqual(left, [], "processes left behind");

    const second = startStack(dataDir);
    tops.push(second.top);
    await waitFor(() => READY.test(second.output()), "the stack to restart", 180_000, second.output);
    const foundUsers = await authUsers();
    const lostUsers = acknowledged.users.filter((uid) => !foundUsers.has(uid));
    assert.deepEqual(lostUsers, [], `${lostUsers.length} of ${acknowledged.users.length} acknowledged users lost`);
    const reopened = new Firestore({ projectId: PROJECT_ID });
    const foundDocs = new Set((await reopened.collection("faultBurst").get()).docs.map((d) => d.id));
    await reopened.terminate();
    const lostDocs = acknowledged.docs.filter((id) => !foundDocs.has(id));
    assert.deepEqual(lostDocs, [], `${lostDocs.length} of ${acknowledged.docs.length} acknowledged documents lost`);

    // Ctrl-C: the clean stop, which also ends everything.
    const secondTree = processTree(second.top.pid ?? 0);
    process.kill(-(second.top.pid ?? 0), "SIGINT");
    await waitFor(() => [...secondTree.keys()].every((pid) => !isAlive(pid)), "a clean stop", 90_000);
  });
});
