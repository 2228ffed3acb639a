/**
 * Calls to the Runnerplane API on this origin, with the signed-in user's ID token (or, for the
 * Coderunner face, Control Plane credentials the person entered). Every failure
 * becomes an ApiFailure whose message is meant to be shown as it is: the server's own words
 * when it sent some (each face has its envelope), plain words for the status otherwise.
 */

export class ApiFailure extends Error {
  constructor(
    /** HTTP status; 0 when the server could not be reached. */
    readonly status: number,
    /** The machine-readable reason from the envelope (e.g. LEASE_NOT_HELD), when there is one. */
    readonly reason: string | null,
    message: string,
  ) {
    super(message);
    this.name = "ApiFailure";
  }
}

type TokenSource = () => Promise<string>;
let tokenSource: TokenSource | null = null;

/** Set on sign-in (and cleared on sign-out) by the app shell. */
export function setTokenSource(source: TokenSource | null): void {
  tokenSource = source;
}

const STATUS_WORDS: Record<number, string> = {
  400: "The server did not accept that request.",
  401: "You are not signed in, or your session has expired. Sign in again.",
  403: "You don't have permission to do that.",
  404: "Not found. It may have been deleted, or this server does not have that route.",
  409: "That conflicts with the current state. Reload and try again.",
  413: "That is too large for the server.",
  429: "Too many requests. Wait a moment and try again.",
};

/**
 * The first validation issue an envelope's `detail.issues` carries (`[{ path, message }]`), as
 * "title: Too big…", so a refused form says which field and why.
 */
function firstIssue(body: unknown): string | null {
  if (typeof body !== "object" || body === null) return null;
  const detail = (body as Record<string, unknown>).detail;
  if (typeof detail !== "object" || detail === null) return null;
  const issues = (detail as Record<string, unknown>).issues;
  if (!Array.isArray(issues) || issues.length === 0) return null;
  const first = issues[0] as Record<string, unknown> | null;
  if (typeof first !== "object" || first === null || typeof first.message !== "string") return null;
  // "body.title" → "title": the part of the request is noise to a person filling a form.
  const path = typeof first.path === "string" ? first.path.replace(/^(body|query|params|headers)\.?/, "") : "";
  return path === "" ? first.message : `${path}: ${first.message}`;
}

/** Words for a failed answer: the envelope's message and reason when present. */
export function describeFailure(status: number, body: unknown): ApiFailure {
  let message: string | null = null;
  let reason: string | null = null;
  if (typeof body === "object" && body !== null) {
    const b = body as Record<string, unknown>;
    // jobs / workspace / platform faces: { error: REASON, message }; fleet: { error: message, reason }.
    if (typeof b.message === "string" && b.message !== "") message = b.message;
    if (typeof b.reason === "string") reason = b.reason;
    if (typeof b.error === "string") {
      if (message === null && reason !== null) message = b.error;
      else reason ??= b.error;
    }
  }
  const issue = firstIssue(body);
  if (message !== null && issue !== null) message = `${message.replace(/\.$/, "")}: ${issue}.`;
  if (message === null)
    message =
      STATUS_WORDS[status] ??
      (status >= 500
        ? `The server had a problem (${status}). Try again in a moment.`
        : `The server answered ${status}.`);
  return new ApiFailure(status, reason, message);
}

/** Where the chosen team is kept between visits (per browser). */
const TEAM_STORAGE_KEY = "runnerplane.team";
// Unit tests load this module outside a browser, where there is no storage.
let currentTeam: string | null = typeof localStorage === "undefined" ? null : localStorage.getItem(TEAM_STORAGE_KEY);

/** The team every call acts in (the `X-Runnerplane-Team` header); null: the personal team. */
export function getCurrentTeam(): string | null {
  return currentTeam;
}

export function setCurrentTeam(teamId: string | null): void {
  currentTeam = teamId;
  if (teamId === null) localStorage.removeItem(TEAM_STORAGE_KEY);
  else localStorage.setItem(TEAM_STORAGE_KEY, teamId);
}

async function authHeaders(): Promise<Record<string, string>> {
  if (tokenSource === null) throw new ApiFailure(401, "SIGNED_OUT", STATUS_WORDS[401] ?? "Sign in again.");
  const token = { authorization: `Bearer ${await tokenSource()}` };
  return currentTeam === null ? token : { ...token, "x-runnerplane-team": currentTeam };
}

/** fetch with these headers; a network failure becomes an ApiFailure with status 0. */
async function send(path: string, init: RequestInit, credentials: Record<string, string>): Promise<Response> {
  const headers = { ...credentials, ...(init.headers as Record<string, string> | undefined) };
  try {
    return await fetch(path, { ...init, headers });
  } catch (error) {
    if (error instanceof DOMException && error.name === "AbortError") throw error;
    throw new ApiFailure(
      0,
      "NETWORK",
      "Couldn't reach the server. Check your connection, or that the local stack is running.",
    );
  }
}

/** fetch with the ID token; a network failure becomes an ApiFailure with status 0. */
export async function authedFetch(path: string, init: RequestInit = {}): Promise<Response> {
  return send(path, init, await authHeaders());
}

/** A response's body: parsed JSON, else its text (null when empty), for an error's words. */
export async function readBody(response: Response): Promise<unknown> {
  const text = await response.text();
  if (text === "") return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** One JSON call. Resolves with the parsed body of a 2xx answer; rejects with an ApiFailure. */
export async function api<T>(method: "GET" | "POST" | "PATCH" | "DELETE", path: string, body?: unknown): Promise<T> {
  const init: RequestInit = { method };
  if (body !== undefined) {
    init.headers = { "content-type": "application/json" };
    init.body = JSON.stringify(body);
  }
  const response = await authedFetch(path, init);
  const parsed = await readBody(response);
  if (!response.ok) throw describeFailure(response.status, parsed);
  return parsed as T;
}

/**
 * What the Coderunner API (seed 000) takes instead of a Studio sign-in: a Control Plane JWT and
 * the tenant and user it speaks for. Held in sessionStorage by the Code page, never logged.
 */
export interface ControlPlaneCredentials {
  token: string;
  /** `x-client-key`: the tenant (workspace UUID). */
  clientKey: string;
  /** `x-userid`: the Control Plane user. */
  userId: string;
}

/**
 * One Coderunner GET with Control Plane credentials. Resolves with the envelope's `data`; a
 * refusal rejects with an ApiFailure carrying the envelope's message (e.g. why a token was refused).
 */
export async function controlPlaneGet<T>(credentials: ControlPlaneCredentials, path: string): Promise<T> {
  const response = await send(
    path,
    { method: "GET" },
    {
      authorization: `Bearer ${credentials.token}`,
      "x-client-key": credentials.clientKey,
      "x-userid": credentials.userId,
    },
  );
  const parsed = await readBody(response);
  if (!response.ok) throw describeFailure(response.status, parsed);
  return (parsed as { data: T }).data;
}

/** The bytes of an authenticated download, as text (file previews). */
export async function fetchText(path: string): Promise<string> {
  const response = await authedFetch(path);
  if (!response.ok) throw describeFailure(response.status, await readBody(response));
  return response.text();
}

/**
 * Saves an authenticated download. A plain link cannot carry the Authorization header, so the
 * bytes are fetched and handed to the browser as an object URL.
 */
export async function download(path: string, fileName: string): Promise<void> {
  const response = await authedFetch(path);
  if (!response.ok) throw describeFailure(response.status, await readBody(response));
  const url = URL.createObjectURL(await response.blob());
  const a = document.createElement("a");
  a.href = url;
  a.download = fileName;
  document.body.append(a);
  a.click();
  a.remove();
  // Revoke after the browser has started the download.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Any thrown value, in words. */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
