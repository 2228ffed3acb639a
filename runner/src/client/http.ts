/**
 * The one HTTP layer under every face client: base URL and credential, per-attempt timeouts,
 * retries with exponential backoff and jitter, and errors turned into values that say what the
 * server meant (status + the face's machine-readable reason).
 */
import type { z } from "zod";
import { backoffDelay, DEFAULT_RETRY, type RetryPolicy } from "./backoff";

/** How long one attempt may take before it counts as a network failure. */
export const DEFAULT_ATTEMPT_TIMEOUT_MS = 30_000;
/** Longest Retry-After we honour; a server asking for more gets our own backoff instead. */
const MAX_RETRY_AFTER_MS = 30_000;

/**
 * When a failed call may be sent again.
 * - `idempotent`: on network errors, timeouts, 5xx and 429 (the server makes a repeat harmless).
 * - `unprocessed`: only when the request surely never reached a handler (connection refused or
 *   reset before sending, 429): for calls a repeat would duplicate (seed 004 log lines).
 * - `never`.
 */
export type RetryMode = "idempotent" | "unprocessed" | "never";

export interface HttpClientOptions {
  /** e.g. `http://127.0.0.1:5000` */
  baseUrl: string;
  /** Sent as `Authorization: Bearer <token>`; never logged. */
  token: string;
  retry?: RetryPolicy;
  attemptTimeoutMs?: number;
  /** Told about every retry (for the runner's status output). */
  onRetry?: (info: RetryInfo) => void;
  /** Told when an attempt starts; the function it returns is called when the attempt ends. */
  onAttempt?: (info: { method: string; path: string }) => () => void;
  fetchImpl?: typeof fetch;
}

export interface RetryInfo {
  method: string;
  path: string;
  attempt: number;
  delayMs: number;
  cause: string;
}

export interface RequestOptions {
  method: "GET" | "POST" | "DELETE";
  path: string;
  query?: Record<string, string | number | undefined>;
  json?: unknown;
  raw?: { bytes: Uint8Array; contentType: string };
  headers?: Record<string, string>;
  retry?: RetryMode;
  timeoutMs?: number;
  /** Stops the call: the attempt in flight is aborted and no retry follows. */
  signal?: AbortSignal;
}

export interface HttpResponse<T> {
  status: number;
  body: T;
  headers: Headers;
}

/** A call that ended in an error answer, or in network failures past the retry budget. */
export class RunnerApiError extends Error {
  override readonly name = "RunnerApiError";
  constructor(
    /** HTTP status; 0 when no answer came back. */
    readonly status: number,
    /** The face's machine-readable reason (`LEASE_NOT_HELD`, …) or `NETWORK` / `HTTP_<status>`. */
    readonly reason: string,
    message: string,
    readonly body: unknown = null,
  ) {
    super(message);
  }

  /** The caller no longer holds what it tried to act on: stop the work, report nothing more. */
  get leaseLost(): boolean {
    return (
      this.status === 404 ||
      (this.status === 409 &&
        (this.reason === "LEASE_NOT_HELD" || this.reason === "JOB_FINISHED" || this.reason === "TIMED_OUT"))
    );
  }

  get detail(): unknown {
    return isRecord(this.body) ? this.body.detail : undefined;
  }
}

/** The request was refused locally, before sending, because the server would refuse it too. */
export class InvalidRequestError extends Error {
  override readonly name = "InvalidRequestError";
}

type Outcome<T> =
  | { done: true; response: HttpResponse<T> }
  | {
      done: false;
      /** Worth another try at all: network trouble, 5xx, 429 (never a 4xx verdict). */
      transient: boolean;
      cause: string;
      retryAfterMs: number | null;
      /** Whether the server may have acted on it. */
      processed: boolean;
      error: RunnerApiError;
    };

export class HttpClient {
  private readonly retry: RetryPolicy;
  private readonly fetchImpl: typeof fetch;

  constructor(private readonly options: HttpClientOptions) {
    this.retry = options.retry ?? DEFAULT_RETRY;
    this.fetchImpl = options.fetchImpl ?? fetch;
  }

  get baseUrl(): string {
    return this.options.baseUrl;
  }

  /**
   * JSON in, JSON (or bytes, see `requestBytes`) out, the answer checked against its schema from
   * the wire contract; throws RunnerApiError on an error answer or one that breaks the contract.
   */
  async request<S extends z.ZodType>(options: RequestOptions, answer: S): Promise<HttpResponse<z.output<S>>> {
    const response = await this.send(options, readJson);
    const parsed = answer.safeParse(response.body);
    if (!parsed.success) {
      const issues = parsed.error.issues
        .slice(0, 3)
        .map((issue) => `${issue.path.map(String).join(".") || "(body)"}: ${issue.message}`);
      throw new RunnerApiError(
        response.status,
        "ANSWER_OFF_CONTRACT",
        `${options.method} ${options.path}: the answer does not match the wire contract (${issues.join("; ")})`,
        response.body,
      );
    }
    return { ...response, body: parsed.data };
  }

  async requestBytes(options: RequestOptions): Promise<HttpResponse<Buffer>> {
    return this.send(options, async (response) => Buffer.from(await response.arrayBuffer()));
  }

  private async send<T>(options: RequestOptions, read: (response: Response) => Promise<T>): Promise<HttpResponse<T>> {
    const mode = options.retry ?? "idempotent";
    const started = Date.now();
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.attempt(options, read);
      if (outcome.done) return outcome.response;
      const retriable = outcome.transient && (mode === "idempotent" || (mode === "unprocessed" && !outcome.processed));
      const elapsed = Date.now() - started;
      if (
        !retriable ||
        attempt >= this.retry.maxAttempts ||
        elapsed >= this.retry.maxElapsedMs ||
        options.signal?.aborted === true
      )
        throw outcome.error;
      const delayMs = Math.min(
        outcome.retryAfterMs ?? backoffDelay(attempt, this.retry),
        Math.max(0, this.retry.maxElapsedMs - elapsed),
      );
      this.options.onRetry?.({ method: options.method, path: options.path, attempt, delayMs, cause: outcome.cause });
      await sleep(delayMs, options.signal);
    }
  }

  private async attempt<T>(options: RequestOptions, read: (response: Response) => Promise<T>): Promise<Outcome<T>> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.options.token}`, ...options.headers };
    let body: RequestInit["body"];
    if (options.json !== undefined) {
      headers["content-type"] = "application/json";
      body = JSON.stringify(options.json);
    } else if (options.raw !== undefined) {
      headers["content-type"] = options.raw.contentType;
      // fetch takes any ArrayBufferView; the DOM typings only name the ArrayBuffer-backed kind.
      body = options.raw.bytes as Uint8Array<ArrayBuffer>;
    }
    let response: Response;
    const ended = this.options.onAttempt?.({ method: options.method, path: options.path });
    try {
      response = await this.fetchImpl(this.url(options), {
        method: options.method,
        headers,
        body,
        signal: attemptSignal(
          options.timeoutMs ?? this.options.attemptTimeoutMs ?? DEFAULT_ATTEMPT_TIMEOUT_MS,
          options.signal,
        ),
      });
    } catch (error) {
      ended?.();
      const cause = networkCause(error);
      const failure = new RunnerApiError(0, "NETWORK", `${options.method} ${options.path}: ${cause}`);
      return {
        done: false,
        transient: true,
        cause,
        retryAfterMs: null,
        processed: !NOT_SENT_CAUSES.has(cause),
        error: failure,
      };
    }
    ended?.();
    if (response.ok) {
      try {
        return {
          done: true,
          response: { status: response.status, body: await read(response), headers: response.headers },
        };
      } catch (error) {
        // The answer was cut off: the call may well have taken effect.
        const cause = networkCause(error);
        return {
          done: false,
          transient: true,
          cause,
          retryAfterMs: null,
          processed: true,
          error: new RunnerApiError(0, "NETWORK", `${options.method} ${options.path}: ${cause}`),
        };
      }
    }
    const errorBody = await readJson(response).catch(() => null);
    const error = toApiError(response.status, errorBody, `${options.method} ${options.path}`);
    const transient = response.status === 429 || response.status >= 500;
    return {
      done: false,
      transient,
      cause: `HTTP ${response.status}`,
      retryAfterMs: retryAfter(response.headers),
      processed: response.status !== 429,
      error,
    };
  }

  private url(options: RequestOptions): string {
    const url = new URL(options.path, this.options.baseUrl);
    for (const [name, value] of Object.entries(options.query ?? {}))
      if (value !== undefined) url.searchParams.set(name, String(value));
    return url.toString();
  }
}

/** The attempt's own time limit, and the caller's stop. */
function attemptSignal(timeoutMs: number, stop: AbortSignal | undefined): AbortSignal {
  const timeout = AbortSignal.timeout(timeoutMs);
  return stop === undefined ? timeout : AbortSignal.any([timeout, stop]);
}

/** Failures where the request cannot have reached the server. */
const NOT_SENT_CAUSES = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH"]);

function networkCause(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error.name === "TimeoutError" || error.name === "AbortError") return "TIMEOUT";
  // undici puts the socket's error code on `cause`.
  return codeOf((error as { cause?: unknown }).cause) ?? codeOf(error) ?? error.message;
}

function codeOf(value: unknown): string | null {
  return isRecord(value) && typeof value.code === "string" ? value.code : null;
}

/** `Retry-After` as seconds or as an HTTP date (RFC 9110 §10.2.3), capped; null when absent or unreadable. */
export function retryAfter(headers: Headers, now = Date.now()): number | null {
  const value = headers.get("retry-after")?.trim();
  if (value === undefined || value === "") return null;
  if (/^\d+$/.test(value)) return Math.min(Number(value) * 1000, MAX_RETRY_AFTER_MS);
  const at = Date.parse(value);
  if (Number.isNaN(at)) return null;
  return Math.min(Math.max(0, at - now), MAX_RETRY_AFTER_MS);
}

async function readJson(response: Response): Promise<unknown> {
  const text = await response.text();
  if (text.length === 0) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/**
 * Every face's error envelope, read into one shape: seed 001 / jobs / platform send
 * `{ error: <REASON>, message }`, seed 004 `{ data: null, error: <message>, reason }`, seed 000
 * `{ success: false, message, reason }`.
 */
export function toApiError(status: number, body: unknown, what: string): RunnerApiError {
  let reason = `HTTP_${status}`;
  let message = `${what} answered ${status}`;
  if (isRecord(body)) {
    if (typeof body.reason === "string") reason = body.reason;
    else if (typeof body.error === "string" && /^[A-Z0-9_]+$/.test(body.error)) reason = body.error;
    const text = typeof body.message === "string" ? body.message : typeof body.error === "string" ? body.error : null;
    if (text !== null) message = `${what} answered ${status} ${reason}: ${text}`;
  }
  return new RunnerApiError(status, reason, message, body);
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Request options for a lease call that waits `waitMs` on the server: the attempt may take that
 * much longer than usual, and `signal` abandons it.
 */
export function waitOptions(waitMs: number, signal?: AbortSignal): { timeoutMs?: number; signal?: AbortSignal } {
  return {
    ...(waitMs > 0 ? { timeoutMs: waitMs + DEFAULT_ATTEMPT_TIMEOUT_MS } : {}),
    ...(signal === undefined ? {} : { signal }),
  };
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted === true) {
      resolve();
      return;
    }
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}
