/**
 * `npm run demo`: the whole loop in one command, after `npm ci` and nothing else. Builds, starts a
 * throwaway local stack, makes a user, its keys and a Coderunner tenant, queues one job on each
 * face, runs the reference runner with examples/runner.json, shows every job finishing, and
 * prints the Studio URL and how to sign in. Ctrl-C stops everything it started.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getApps, initializeApp } from "firebase-admin/app";
import { getFirestore } from "firebase-admin/firestore";
import { cp, deployed, runnerKey } from "../test/harness/coderunner";
import { newTenant } from "../test/harness/controlPlane";
import { buildAndLock, parseCli } from "./cli";
import { signInOrUp } from "./devUsers";
import { API_BASE, PROJECT_ID, ROOT, startStack, type Stack } from "./stack";

const USAGE = `
Usage: npm run demo [-- --exit] [-- --email <email>]

Builds, starts a throwaway local stack (loopback only), then:
  1. makes a user (Auth emulator) with an API key and a workspace runner key, and a Coderunner
     tenant with a Control Plane token (signed with the local dev key) and a tenant runner key;
  2. queues one job on each face: a jobs-API job, a fleet review task, a Coderunner execution
     and a workspace generation;
  3. runs the reference runner with examples/runner.json (scripts in examples/jobs/);
  4. shows each job finishing, prints how long the loop took, the Studio URL and how to sign in.
The stack then keeps running for you to look around until Ctrl-C, which stops everything.

  --exit       stop once the loop has finished (for scripts and tests)
  --email      the demo user's email (default demo@runnerplane.test, password password-123)
  -h, --help   this text
`;

const PASSWORD = "password-123";
const LOOP_DEADLINE_MS = 150_000;

interface Queued {
  face: string;
  what: string;
  jobId: string;
}

const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
const say = (line: string) => process.stdout.write(`[demo ${elapsed().padStart(7)}] ${line}\n`);

async function api<T>(method: string, path: string, token: string, body?: unknown): Promise<T> {
  const response = await fetch(`${API_BASE}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text) as T;
}

async function arrange(email: string) {
  const user = await signInOrUp(email, PASSWORD);
  say(`user ${email} (uid ${user.localId})`);
  const apiKey = await api<{ key: string }>("POST", "/api/keys", user.idToken, {
    name: "demo runner",
    scopes: ["runners:read", "runners:write", "jobs:read", "jobs:write"],
  });
  const instance = await api<{ runnerToken: string }>("POST", "/createRunnerInstance", user.idToken, {
    kind: "user",
    name: "demo runner",
  });
  const tenant = await newTenant("demo-user");
  const [codeKey, deployment] = await Promise.all([runnerKey(tenant), deployed(tenant)]);
  say(
    "API key (runners + jobs scopes), workspace runner key, Coderunner tenant, runner key and a deployed function: made",
  );

  const queued: Queued[] = [];
  const job = await api<{ id: string }>("POST", "/jobs", apiKey.key, {
    type: "hello",
    workflowPath: "demo.md",
    params: { name: "Runnerplane" },
  });
  queued.push({ face: "jobs API", what: "POST /jobs type hello", jobId: job.id });
  const task = await api<{ data: { id: string } }>("POST", "/api/runners/tasks", apiKey.key, {
    repositoryUrl: "https://example.com/demo/repo.git",
    branch: "main",
    commitSha: "0123456789abcdef0123456789abcdef01234567",
    files: [{ path: "src/index.ts", status: "modified", patch: "@@ -1 +1 @@\n-a\n+b" }],
    aiConfig: { agentType: "demo" },
  });
  queued.push({ face: "fleet", what: "POST /api/runners/tasks (review)", jobId: task.data.id });
  const execution = await cp<{ executionId: string }>(
    tenant,
    "POST",
    `/api/execution/run/onetime/${deployment.deploymentId}`,
    { body: { payload: { hello: "demo" } } },
  );
  if (execution.status !== 202)
    throw new Error(`Coderunner run answered ${execution.status}: ${JSON.stringify(execution.body)}`);
  queued.push({ face: "Coderunner", what: "POST /api/execution/run/onetime", jobId: execution.body.data.executionId });
  const workspace = await api<{ workspace: { id: string } }>("POST", "/api/workspaces", user.idToken, {
    title: "Demo workspace",
  });
  await api("POST", `/api/workspaces/${workspace.workspace.id}/messages`, user.idToken, { text: "Make me a plan." });
  const generation = await api<{ jobId: string }>(
    "POST",
    `/api/workspaces/${workspace.workspace.id}/generate`,
    user.idToken,
    { target: "user" },
  );
  queued.push({ face: "workspace", what: "POST /api/workspaces/:id/generate", jobId: generation.jobId });
  for (const q of queued) say(`queued on ${q.face.padEnd(10)} ${q.what} → job ${q.jobId}`);
  return { user, apiKey: apiKey.key, workspaceToken: instance.runnerToken, codeKey, queued };
}

function startRunner(
  tokens: { apiKey: string; workspaceToken: string; codeKey: string },
  stateDir: string,
): ChildProcess {
  const env = {
    ...process.env,
    RUNNER_TOKEN: tokens.apiKey,
    RUNNER_WORKSPACE_TOKEN: tokens.workspaceToken,
    RUNNER_CODE_TOKEN: tokens.codeKey,
  };
  const args = [
    "--import",
    "tsx",
    "runner/src/cli.ts",
    "--api",
    API_BASE,
    "--config",
    "examples/runner.json",
    "--id",
    "demo-runner",
    "--state-dir",
    stateDir,
    "--json",
  ];
  const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  let partial = "";
  child.stdout?.setEncoding("utf8");
  child.stdout?.on("data", (chunk: string) => {
    const lines = (partial + chunk).split("\n");
    partial = lines.pop() ?? "";
    for (const line of lines) {
      try {
        const event = JSON.parse(line) as {
          event?: string;
          face?: string;
          jobId?: string;
          outcome?: string;
          level?: string;
          message?: string;
        };
        if (
          event.event === "leased" ||
          event.event === "finished" ||
          event.level === "warn" ||
          event.level === "error"
        ) {
          say(
            `runner: ${event.event ?? ""} ${event.face ?? ""} ${event.jobId ?? ""} ${event.outcome ?? event.message ?? ""}`
              .replace(/\s+/g, " ")
              .trim(),
          );
        }
      } catch {
        if (line.trim() !== "") say(`runner: ${line}`);
      }
    }
  });
  child.stderr?.setEncoding("utf8");
  child.stderr?.on("data", (chunk: string) => process.stderr.write(chunk));
  return child;
}

/** Every queued job's status, read from the one `jobs` collection every face writes. */
async function waitForAll(queued: Queued[]): Promise<boolean> {
  if (getApps().length === 0) initializeApp({ projectId: PROJECT_ID });
  const db = getFirestore();
  const ended = new Map<string, string>();
  const deadline = Date.now() + LOOP_DEADLINE_MS;
  while (ended.size < queued.length && Date.now() < deadline) {
    for (const q of queued) {
      if (ended.has(q.jobId)) continue;
      const status = (await db.collection("jobs").doc(q.jobId).get()).get("status") as string | undefined;
      if (status === "SUCCEEDED" || status === "FAILED" || status === "CANCELLED") {
        ended.set(q.jobId, status);
        say(`${q.face.padEnd(10)} job ${q.jobId}: ${status}`);
      }
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  for (const q of queued)
    if (!ended.has(q.jobId))
      say(`${q.face.padEnd(10)} job ${q.jobId}: did not finish within ${LOOP_DEADLINE_MS / 1000} s`);
  return queued.every((q) => ended.get(q.jobId) === "SUCCEEDED");
}

async function main(): Promise<void> {
  const values = parseCli(USAGE, {
    exit: { type: "boolean", default: false },
    email: { type: "string", default: "demo@runnerplane.test" },
  });
  buildAndLock();
  say("starting the local stack (throwaway data)…");
  const stackLog: string[] = [];
  const stack: Stack = await startStack({
    dataDir: null,
    scheduler: true,
    log: (line) => {
      stackLog.push(line);
      if (stackLog.length > 2000) stackLog.splice(0, 500);
    },
  });
  say(`stack ready at ${API_BASE}`);
  // This process watches the jobs through the Admin SDK: at the stack's Firestore, never Google's.
  process.env.FIRESTORE_EMULATOR_HOST = stack.firestoreHost;
  const stateDir = mkdtempSync(join(tmpdir(), "runnerplane-demo-"));
  let runner: ChildProcess | undefined;
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    runner?.kill("SIGTERM");
    await stack.stop();
    rmSync(stateDir, { recursive: true, force: true });
    process.exit(code);
  };
  process.on("SIGINT", () => void stop(130));
  process.on("SIGTERM", () => void stop(143));
  try {
    const arranged = await arrange(values.email);
    runner = startRunner(arranged, stateDir);
    say("reference runner started with examples/runner.json (jobs, fleet, Coderunner and workspace faces)");
    const ok = await waitForAll(arranged.queued);
    say(ok ? `the whole loop took ${elapsed()}: every job SUCCEEDED` : "not every job succeeded: see the lines above");
    process.stdout.write(`
Studio:   ${API_BASE}/dashboard/
Sign in:  ${values.email} / ${PASSWORD}  (Auth emulator)
API:      ${API_BASE}   (the README and docs/ describe every face)
Runner:   RUNNER_TOKEN=… npm run runner -- --api ${API_BASE} --config examples/runner.json
`);
    if (values.exit || !ok) {
      await stop(ok ? 0 : 1);
      return;
    }
    process.stdout.write("\nThe stack and the runner keep running: Ctrl-C stops everything.\n");
  } catch (error) {
    say(`demo failed: ${error instanceof Error ? error.message : String(error)}`);
    for (const line of stackLog.slice(-30)) process.stderr.write(`  ${line}\n`);
    await stop(1);
  }
}

void main();
