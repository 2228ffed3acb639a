/** The public API as runners and Studio reach it (Hosting emulator, loopback only). */
import { API_BASE, PORTS, PROJECT_ID } from "../../scripts/stack";

/** A bench HTTP call that hangs is a failed call, not a hung bench. */
export const HTTP_TIMEOUT_MS = 30_000;

export interface Reply<T> {
  status: number;
  body: T;
}

export async function call<T>(
  method: string,
  path: string,
  options: {
    token?: string;
    apiKey?: string;
    body?: unknown;
    headers?: Record<string, string>;
    /** Where the functions are served (default: Hosting on the stack); see `lib/serveInChild.ts`. */
    base?: string;
    timeoutMs?: number;
    signal?: AbortSignal;
  } = {},
): Promise<Reply<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  if (options.apiKey !== undefined) headers["x-api-key"] = options.apiKey;
  let body: string | undefined;
  if (options.body !== undefined) {
    headers["content-type"] = "application/json";
    body = JSON.stringify(options.body);
  }
  const response = await fetch(`${options.base ?? API_BASE}${path}`, {
    method,
    headers,
    body,
    signal: AbortSignal.any([
      AbortSignal.timeout(options.timeoutMs ?? HTTP_TIMEOUT_MS),
      ...(options.signal === undefined ? [] : [options.signal]),
    ]),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text.length > 0 ? JSON.parse(text) : null;
  } catch {
    // not JSON: keep the text for the error message
  }
  return { status: response.status, body: parsed as T };
}

/** Throws unless the reply has the expected status. */
export function expectStatus<T>(reply: Reply<T>, status: number, what: string): T {
  if (reply.status !== status)
    throw new Error(`${what}: HTTP ${reply.status} ${JSON.stringify(reply.body).slice(0, 300)}`);
  return reply.body;
}

export interface BenchUser {
  uid: string;
  idToken: string;
}

let users = 0;

/** A Studio user signed up in the Auth emulator, with a real ID token. */
export async function signUp(): Promise<BenchUser> {
  users++;
  const response = await fetch(
    `http://127.0.0.1:${PORTS.auth}/identitytoolkit.googleapis.com/v1/accounts:signUp?key=fake-api-key`,
    {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        email: `bench${users}-${Date.now()}@example.test`,
        password: "bench-password-1",
        returnSecureToken: true,
      }),
      signal: AbortSignal.timeout(HTTP_TIMEOUT_MS),
    },
  );
  const body = (await response.json()) as { localId?: string; idToken?: string };
  if (!response.ok || body.localId === undefined || body.idToken === undefined)
    throw new Error(`sign-up failed: ${response.status}`);
  return { uid: body.localId, idToken: body.idToken };
}

export async function clearAuth(): Promise<void> {
  const response = await fetch(`http://127.0.0.1:${PORTS.auth}/emulator/v1/projects/${PROJECT_ID}/accounts`, {
    method: "DELETE",
  });
  if (!response.ok) throw new Error(`clearing Auth answered ${response.status}`);
}

export interface RunnerInstance {
  instanceId: string;
  runnerToken: string;
}

/** Seed 001 runner instances (user pool), made through `POST /createRunnerInstance` as Studio does. */
export async function createInstances(user: BenchUser, count: number): Promise<RunnerInstance[]> {
  const made: RunnerInstance[] = [];
  for (let i = 0; i < count; i++) {
    const reply = await call<RunnerInstance>("POST", "/createRunnerInstance", {
      token: user.idToken,
      body: { kind: "user", name: `bench runner ${i}` },
    });
    made.push(expectStatus(reply, 201, "createRunnerInstance"));
  }
  return made;
}

export interface LeaseReply {
  leased: boolean;
  workspaceId?: string;
  workspace?: { jobId?: string };
}

/** `POST /leaseWorkspaceJob` with a runner key. */
export async function leaseOverHttp(runner: RunnerInstance): Promise<LeaseReply> {
  return expectStatus(
    await call<LeaseReply>("POST", "/leaseWorkspaceJob", { token: runner.runnerToken, body: {} }),
    200,
    "leaseWorkspaceJob",
  );
}

/** A scoped API key (`POST /api/keys`). */
export async function createApiKey(user: BenchUser, scopes: string[], base?: string): Promise<string> {
  const reply = await call<{ key: string }>("POST", "/api/keys", {
    base,
    token: user.idToken,
    body: { name: "bench key", scopes },
  });
  return expectStatus(reply, 201, "POST /api/keys").key;
}
