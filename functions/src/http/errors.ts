/**
 * The one error family. Operations throw these; the route wrapper turns them into each face's
 * envelope. Anything else that escapes a handler is unexpected: logged, answered 500.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    /** Short machine-readable reason, e.g. `LEASE_NOT_HELD`. */
    readonly reason: string,
    message: string,
    /** Extra detail safe to show the caller (validation issues, limits). */
    readonly detail?: unknown,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class InvalidArgument extends ApiError {
  constructor(reason: string, message: string, detail?: unknown) {
    super(400, reason, message, detail);
  }
}

/** 401: we don't know who you are (absent, malformed, forged, expired or revoked credentials). */
export class Unauthenticated extends ApiError {
  constructor(reason = "UNAUTHENTICATED", message = "Missing or invalid credentials.") {
    super(401, reason, message);
  }
}

/** 403: we know who you are, and you may not. */
export class PermissionDenied extends ApiError {
  constructor(reason = "PERMISSION_DENIED", message = "You may not do this.") {
    super(403, reason, message);
  }
}

export class NotFound extends ApiError {
  constructor(reason = "NOT_FOUND", message = "Not found.") {
    super(404, reason, message);
  }
}

export class MethodNotAllowed extends ApiError {
  constructor(readonly allowed: readonly string[]) {
    super(405, "METHOD_NOT_ALLOWED", `Use ${allowed.join(", ")}.`);
  }
}

export class Conflict extends ApiError {
  constructor(reason: string, message: string, detail?: unknown) {
    super(409, reason, message, detail);
  }
}

/** 412: an `If-Match` precondition did not hold; the caller's copy is stale and nothing changed. */
export class PreconditionFailed extends ApiError {
  constructor(message: string, detail?: unknown) {
    super(412, "PRECONDITION_FAILED", message, detail);
  }
}

export class PayloadTooLarge extends ApiError {
  constructor(limitBytes: number) {
    super(413, "PAYLOAD_TOO_LARGE", `The request body is larger than ${limitBytes} bytes.`, { limitBytes });
  }
}

export class UnsupportedMediaType extends ApiError {
  constructor(expected: string) {
    super(415, "UNSUPPORTED_MEDIA_TYPE", `Send the body as ${expected}.`);
  }
}

/** 429: a rate or a quota. `Retry-After` says when trying again may succeed. */
export class TooManyRequests extends ApiError {
  constructor(
    message = "Too many requests; slow down.",
    readonly retryAfterSeconds = 1,
    reason = "RATE_LIMITED",
    detail?: unknown,
  ) {
    super(429, reason, message, detail);
  }
}

/**
 * Firestore could not finish in time: a transaction still contended after the SDK's retries, or
 * the backend busy or unreachable. Nothing was committed; the same request may simply be retried.
 */
export class ServiceUnavailable extends ApiError {
  readonly retryAfterSeconds = 1;
  constructor(message = "The service is busy; retry in a moment. Nothing was changed.") {
    super(503, "TRY_AGAIN", message);
  }
}

/**
 * A route a runner answers could not be answered by one (seed 002): none of the team's online
 * runners offers what it needs (503, `reason` such as `no-llm`), or the one that took it did not
 * answer in time (504, with the `jobId` to poll), or answered with a failure (502, with its
 * error as the message). `fields` stand at the top of the error body.
 */
export class RunnerUnavailable extends ApiError {
  constructor(
    status: 502 | 503 | 504,
    reason: string,
    message: string,
    readonly fields: Record<string, string | boolean>,
  ) {
    super(status, reason, message);
  }
}

/** gRPC codes of Firestore errors that mean "retry": DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, ABORTED, UNAVAILABLE. */
const RETRYABLE_GRPC_CODES = new Set([4, 8, 10, 14]);

/** True for a Firestore (gRPC) error that a retry of the whole request can get past. */
export function isRetryableStorageError(error: unknown): boolean {
  const code = typeof error === "object" && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === "number" && RETRYABLE_GRPC_CODES.has(code);
}

/** Throws `error` unless `condition` holds: operations read as a list of preconditions. */
export function assert(condition: unknown, error: ApiError): asserts condition {
  if (!condition) throw error;
}
