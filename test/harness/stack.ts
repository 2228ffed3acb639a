/** What integration tests use to reach the local stack: HTTP, Firestore, Auth emulator, logs. */
import { deleteApp, initializeApp, type App } from "firebase-admin/app";
import { getAuth, type Auth } from "firebase-admin/auth";
import { getFirestore, type Firestore } from "firebase-admin/firestore";
import { API_BASE, PORTS, PROJECT_ID } from "../../scripts/stack";

export { API_BASE };

/** Filled by the root hooks: the stack's output so far, and a way to fire scheduled functions. */
export const STACK_LOG: { lines: string[]; fireScheduled: (name: string) => Promise<void> } = {
  lines: [],
  fireScheduled: () => Promise.reject(new Error("the stack is not running")),
};

function firestoreHost(): string {
  return process.env.FIRESTORE_EMULATOR_HOST ?? `127.0.0.1:${PORTS.firestore}`;
}

let app: App | undefined;
let firestore: Firestore | undefined;

/** firebase-admin against the stack's Firestore, for arranging and inspecting state. */
export function adminDb(): Firestore {
  if (firestore === undefined) {
    process.env.FIRESTORE_EMULATOR_HOST = firestoreHost();
    app = initializeApp({ projectId: PROJECT_ID }, `integration-${process.pid}`);
    firestore = getFirestore(app);
  }
  return firestore;
}

/** firebase-admin against the stack's Auth emulator (disable, delete, revoke users). */
export function adminAuth(): Auth {
  process.env.FIREBASE_AUTH_EMULATOR_HOST = `127.0.0.1:${PORTS.auth}`;
  adminDb();
  if (app === undefined) throw new Error("no admin app");
  return getAuth(app);
}

export async function closeAdmin(): Promise<void> {
  if (app !== undefined) await deleteApp(app);
  app = undefined;
  firestore = undefined;
}

export async function clearFirestore(): Promise<void> {
  const response = await fetch(
    `http://${firestoreHost()}/emulator/v1/projects/${PROJECT_ID}/databases/(default)/documents`,
    { method: "DELETE" },
  );
  if (!response.ok) throw new Error(`clearing Firestore failed: ${response.status}`);
}

export async function clearAuth(): Promise<void> {
  const response = await fetch(`http://127.0.0.1:${PORTS.auth}/emulator/v1/projects/${PROJECT_ID}/accounts`, {
    method: "DELETE",
  });
  if (!response.ok) throw new Error(`clearing Auth failed: ${response.status}`);
}

export interface TestUser {
  uid: string;
  email: string;
  idToken: string;
}

let userCounter = 0;

/** Signs up a user in the Auth emulator and returns a real ID token for it. */
export async function createUser(options: { admin?: boolean } = {}): Promise<TestUser> {
  userCounter += 1;
  const email = `user${userCounter}-${Date.now()}@example.test`;
  const response = await fetch(
    `http://127.0.0.1:${PORTS.auth}/identitytoolkit.googleapis.com/v1/accounts:signUp?key=fake-api-key`,
    {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email, password: "password-123", returnSecureToken: true }),
    },
  );
  const body = (await response.json()) as { localId?: string; idToken?: string };
  if (!response.ok || body.localId === undefined || body.idToken === undefined) {
    throw new Error(`sign-up failed: ${response.status} ${JSON.stringify(body)}`);
  }
  if (options.admin === true) await adminDb().collection("admins").doc(body.localId).set({ createdAt: new Date() });
  return { uid: body.localId, email, idToken: body.idToken };
}

export interface ApiResponse<T = unknown> {
  status: number;
  body: T;
  headers: Headers;
}

/** One HTTP call to the public API (Hosting, port 5000). */
export async function call<T = Record<string, unknown>>(
  method: string,
  path: string,
  options: {
    token?: string;
    body?: unknown;
    headers?: Record<string, string>;
    rawBody?: string | Uint8Array;
    timeoutMs?: number;
    /** Another server than the stack's Hosting (the in-process functions, test/harness/inProcess.ts). */
    base?: string;
  } = {},
): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  let body: string | Uint8Array | undefined = options.rawBody;
  if (options.body !== undefined) {
    headers["content-type"] ??= "application/json";
    body = JSON.stringify(options.body);
  }
  const response = await fetch(`${options.base ?? API_BASE}${path}`, {
    method,
    headers,
    body,
    signal: AbortSignal.timeout(options.timeoutMs ?? 70_000),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text.length > 0 ? JSON.parse(text) : null;
  } catch {
    // not JSON: leave the text for the assertion to show
  }
  return { status: response.status, body: parsed as T, headers: response.headers };
}
