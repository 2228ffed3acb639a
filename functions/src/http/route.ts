import type { Response } from "express";
import * as logger from "firebase-functions/logger";
import { onRequest, type HttpsFunction, type HttpsOptions, type Request } from "firebase-functions/v2/https";
import { z } from "zod";
import { authenticate, type AuthRule, type PrincipalFor } from "../auth/authenticate";
import { errorBody, wrapSuccess, type Face } from "./envelopes";
import {
  ApiError,
  InvalidArgument,
  MethodNotAllowed,
  NotFound,
  PayloadTooLarge,
  UnsupportedMediaType,
  RunnerUnavailable,
  ServiceUnavailable,
  TooManyRequests,
  isRetryableStorageError,
} from "./errors";

export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/** Default cap on a JSON request body; endpoints that take more name their own. */
export const DEFAULT_MAX_BODY_BYTES = 64 * 1024;

type AnySchema = z.ZodType;
type Out<S> = S extends z.ZodType ? z.infer<S> : undefined;

export interface Reply {
  status?: number;
  body: unknown;
  /** Seed 000's envelope carries a human message beside `data`. */
  message?: string;
  headers?: Record<string, string>;
}

/** Returned by handlers that wrote the response themselves (streams, raw bytes). */
export const ALREADY_SENT = Symbol("ALREADY_SENT");

export interface RouteContext<R extends AuthRule, B, Q, P, H> {
  req: Request;
  res: Response;
  principal: PrincipalFor<R>;
  body: B;
  query: Q;
  params: P;
  headers: H;
  now: Date;
}

export interface EndpointConfig<R extends AuthRule, BS, QS, PS, HS> {
  face: Face;
  method: HttpMethod;
  /** Path pattern with `:name` segments, matched against the end of the request path. */
  path: string;
  auth: R;
  body?: BS;
  query?: QS;
  params?: PS;
  headers?: HS;
  maxBodyBytes?: number;
  /** The body is not JSON (multipart uploads): the handler reads `req.rawBody` itself. */
  rawBody?: boolean;
  handler: (ctx: RouteContext<R, Out<BS>, Out<QS>, Out<PS>, Out<HS>>) => Promise<Reply | typeof ALREADY_SENT>;
}

export interface Endpoint {
  face: Face;
  method: HttpMethod;
  path: string;
  /** Who may call it; the authorization matrix test reads this. */
  auth: AuthRule;
  matcher: RegExp;
  paramNames: string[];
  run(req: Request, res: Response, params: Record<string, string>): Promise<void>;
}

/** Declares one endpoint: method, path, auth, schemas and size cap, and a short handler. */
export function endpoint<
  R extends AuthRule,
  BS extends AnySchema | undefined = undefined,
  QS extends AnySchema | undefined = undefined,
  PS extends AnySchema | undefined = undefined,
  HS extends AnySchema | undefined = undefined,
>(config: EndpointConfig<R, BS, QS, PS, HS>): Endpoint {
  const { matcher, paramNames } = compilePath(config.path);
  const maxBodyBytes = config.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;

  async function run(req: Request, res: Response, rawParams: Record<string, string>): Promise<void> {
    const length = req.rawBody?.length ?? 0;
    if (length > maxBodyBytes) throw new PayloadTooLarge(maxBodyBytes);
    // Authenticate before looking at the body: a stranger learns nothing about our schemas.
    const principal = await authenticate(req, config.auth, rawParams);
    const body = config.rawBody ? undefined : parse("body", config.body, jsonBody(req, config.body !== undefined));
    const query = parse("query", config.query, req.query);
    const params = parse("params", config.params, rawParams);
    const headers = parse("headers", config.headers, req.headers);
    const reply = await config.handler({
      req,
      res,
      principal,
      body: body as Out<BS>,
      query: query as Out<QS>,
      params: params as Out<PS>,
      headers: headers as Out<HS>,
      now: new Date(),
    });
    if (reply === ALREADY_SENT) return;
    for (const [name, value] of Object.entries(reply.headers ?? {})) res.setHeader(name, value);
    res.status(reply.status ?? 200).json(wrapSuccess(config.face, reply.body, reply.message));
  }

  return { face: config.face, method: config.method, path: config.path, auth: config.auth, matcher, paramNames, run };
}

/**
 * The same endpoint served under a path prefix (`/teams/:teamId` + `/jobs/:jobId`): same auth,
 * schemas and handler. The prefix's parameters reach authentication (which resolves the team
 * from `:teamId`); the endpoint's own schemas ignore them.
 */
export function mounted(prefix: string, inner: Endpoint): Endpoint {
  const path = `${prefix}${inner.path}`;
  const { matcher, paramNames } = compilePath(path);
  return { ...inner, path, matcher, paramNames };
}

/**
 * One HTTPS function serving one path. Several endpoints may share it when they differ only by
 * method (GET and POST on `/jobs`), because a Hosting rewrite maps a path, not a method, to a
 * function.
 *
 * The endpoints come from `load`, called on the function's first request (or by endpointsOf), not
 * at import: every instance, and every functions-emulator worker, runs one function, so it loads
 * only the face that function serves instead of all of them.
 */
export function https(options: HttpsOptions, load: () => Endpoint[]): HttpsFunction {
  let loaded: [Endpoint, ...Endpoint[]] | undefined;
  const endpointsNow = (): [Endpoint, ...Endpoint[]] => {
    if (loaded === undefined) {
      const [first, ...rest] = load();
      if (first === undefined) throw new Error("https() needs at least one endpoint");
      loaded = [first, ...rest];
    }
    return loaded;
  };
  const fn = onRequest({ invoker: "public", ...options }, async (req, res) => {
    const endpoints = endpointsNow();
    const first = endpoints[0];
    try {
      const path = req.path;
      const onPath = endpoints
        .map((e) => ({ e, match: e.matcher.exec(path) }))
        .filter((m): m is { e: Endpoint; match: RegExpExecArray } => m.match !== null);
      if (onPath.length === 0) throw new NotFound("ROUTE_NOT_FOUND", `No route for ${req.method} ${path}.`);
      const chosen = onPath.find((m) => m.e.method === req.method);
      if (chosen === undefined) {
        const allowed = [...new Set(onPath.map((m) => m.e.method))];
        res.setHeader("Allow", allowed.join(", "));
        throw new MethodNotAllowed(allowed);
      }
      const params: Record<string, string> = {};
      chosen.e.paramNames.forEach((name, i) => {
        params[name] = decodeURIComponent(chosen.match[i + 1] ?? "");
      });
      await chosen.e.run(req, res, params);
    } catch (error) {
      sendError(res, first.face, error, req);
    }
  });
  ENDPOINTS_OF.set(fn, endpointsNow);
  return fn;
}

const ENDPOINTS_OF = new WeakMap<object, () => Endpoint[]>();

/** The endpoints an exported function serves (empty for non-HTTP exports), loaded now. Tests walk these. */
export function endpointsOf(fn: unknown): Endpoint[] {
  return typeof fn === "function" || (typeof fn === "object" && fn !== null) ? (ENDPOINTS_OF.get(fn)?.() ?? []) : [];
}

/** Maps any thrown value to the face's envelope. Only the unexpected is logged, and never a body. */
export function sendError(res: Response, face: Face, error: unknown, req: Request): void {
  const apiError = toApiError(error);
  // A route a runner answers that found no runner (503) or no answer in time (504) is expected.
  if (apiError.status >= 500 && !(apiError instanceof RunnerUnavailable)) {
    logger.error("unhandled error", { method: req.method, path: req.path, error: describe(error) });
  }
  if (res.headersSent) {
    res.end();
    return;
  }
  if (apiError instanceof ServiceUnavailable || apiError instanceof TooManyRequests)
    res.set("Retry-After", String(apiError.retryAfterSeconds));
  res.status(apiError.status).json(errorBody(face, apiError));
}

function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof URIError) return new InvalidArgument("INVALID_PATH", "The request path is not valid.");
  if (isRetryableStorageError(error)) return new ServiceUnavailable();
  return new ApiError(500, "INTERNAL", "Something went wrong on our side.");
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}\n${error.stack ?? ""}` : String(error);
}

function jsonBody(req: Request, expectsBody: boolean): unknown {
  const raw = req.rawBody;
  if (raw === undefined || raw.length === 0) return expectsBody ? {} : undefined;
  if (!req.is("application/json")) throw new UnsupportedMediaType("application/json");
  // The platform's body parser has already parsed valid JSON; re-parsing the raw bytes keeps
  // us honest when it did not (e.g. a body-parser that skipped an unusual charset).
  try {
    return JSON.parse(raw.toString("utf8")) as unknown;
  } catch {
    throw new InvalidArgument("MALFORMED_JSON", "The request body is not valid JSON.");
  }
}

function parse(part: string, schema: AnySchema | undefined, value: unknown): unknown {
  if (schema === undefined) return undefined;
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new InvalidArgument("INVALID_REQUEST", `The request ${part} is not valid.`, {
    issues: result.error.issues.slice(0, 20).map((issue) => ({
      path: [part, ...issue.path.map(String)].join("."),
      message: issue.message,
    })),
  });
}

function compilePath(pattern: string): { matcher: RegExp; paramNames: string[] } {
  const paramNames: string[] = [];
  const source = pattern
    .split("/")
    .filter((segment) => segment.length > 0)
    .map((segment) => {
      if (segment.startsWith(":")) {
        paramNames.push(segment.slice(1));
        return "([^/]+)";
      }
      return segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    })
    .join("/");
  // Anchored at the end only: through Hosting the function sees the full path, called directly
  // at its functions URL it sees what follows the function name.
  // A path without parameters also answers at the function's own root ("/").
  const root = paramNames.length === 0 ? "^/?$|" : "";
  return { matcher: new RegExp(`${root}(?:^|/)${source}/?$`), paramNames };
}
