import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { z } from "zod";
import { HttpClient, retryAfter, RunnerApiError, toApiError } from "./http";

const FAST = { maxAttempts: 4, baseDelayMs: 5, maxDelayMs: 20, maxElapsedMs: 5_000 };

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

async function serve(handler: Handler): Promise<{ url: string; server: Server; calls: string[] }> {
  const calls: string[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      calls.push(`${req.method ?? ""} ${req.url ?? ""} ${req.headers.authorization ?? ""} ${body}`);
      handler(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, calls };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

describe("HttpClient", () => {
  let server: Server | undefined;
  afterEach(() => server?.close());

  it("sends the bearer token and JSON, and retries 503 and 429 until an answer", async () => {
    let n = 0;
    const s = await serve((_req, res) => {
      n += 1;
      if (n === 1) json(res, 503, { error: "UNAVAILABLE", message: "busy" });
      else if (n === 2) json(res, 429, { error: "RATE", message: "slow down" });
      else json(res, 200, { ok: true });
    });
    server = s.server;
    const retries: string[] = [];
    const client = new HttpClient({
      baseUrl: s.url,
      token: "key.secret",
      retry: FAST,
      onRetry: (info) => retries.push(info.cause),
    });
    const answer = await client.request({ method: "POST", path: "/x", json: { a: 1 } }, z.object({ ok: z.boolean() }));
    assert.deepEqual(answer.body, { ok: true });
    assert.deepEqual(retries, ["HTTP 503", "HTTP 429"]);
    assert.equal(s.calls.length, 3);
    assert.equal(s.calls[0], 'POST /x Bearer key.secret {"a":1}');
  });

  it("never retries a 4xx verdict, and reads each face's envelope", async () => {
    const s = await serve((req, res) => {
      if (req.url === "/jobs") json(res, 409, { error: "LEASE_NOT_HELD", message: "You hold no active lease." });
      else if (req.url === "/fleet")
        json(res, 409, { data: null, error: "This runner is offline.", reason: "RUNNER_OFFLINE" });
      else
        json(res, 403, { success: false, message: "Not a runner key", data: null, reason: "NOT_A_TENANT_RUNNER_KEY" });
    });
    server = s.server;
    const client = new HttpClient({ baseUrl: s.url, token: "t", retry: FAST });
    const jobs = await client
      .request({ method: "POST", path: "/jobs", json: {} }, z.unknown())
      .catch((e: unknown) => e);
    assert.ok(jobs instanceof RunnerApiError);
    assert.equal(jobs.status, 409);
    assert.equal(jobs.reason, "LEASE_NOT_HELD");
    assert.equal(jobs.leaseLost, true);
    const fleet = await client.request({ method: "GET", path: "/fleet" }, z.unknown()).catch((e: unknown) => e);
    assert.ok(fleet instanceof RunnerApiError);
    assert.equal(fleet.reason, "RUNNER_OFFLINE");
    assert.equal(fleet.leaseLost, false);
    assert.match(fleet.message, /offline/);
    const code = await client.request({ method: "GET", path: "/code" }, z.unknown()).catch((e: unknown) => e);
    assert.ok(code instanceof RunnerApiError);
    assert.equal(code.reason, "NOT_A_TENANT_RUNNER_KEY");
    assert.equal(s.calls.length, 3, "one call each: no retries");
  });

  it("in `unprocessed` mode does not repeat a call the server may have acted on", async () => {
    const s = await serve((_req, res) => json(res, 500, { error: "INTERNAL", message: "oops" }));
    server = s.server;
    const client = new HttpClient({ baseUrl: s.url, token: "t", retry: FAST });
    const error = await client
      .request({ method: "POST", path: "/logs", json: {}, retry: "unprocessed" }, z.unknown())
      .catch((e: unknown) => e);
    assert.ok(error instanceof RunnerApiError);
    assert.equal(error.status, 500);
    assert.equal(s.calls.length, 1);
  });

  it("retries a refused connection with backoff, then gives up with NETWORK", async () => {
    const s = await serve(() => undefined);
    const url = s.url;
    s.server.close();
    const retries: number[] = [];
    const client = new HttpClient({
      baseUrl: url,
      token: "t",
      retry: FAST,
      onRetry: (info) => retries.push(info.attempt),
    });
    const error = await client
      .request({ method: "POST", path: "/x", json: {}, retry: "unprocessed" }, z.unknown())
      .catch((e: unknown) => e);
    assert.ok(error instanceof RunnerApiError);
    assert.equal(error.status, 0);
    assert.equal(error.reason, "NETWORK");
    assert.match(error.message, /ECONNREFUSED/);
    assert.deepEqual(
      retries,
      [1, 2, 3],
      "refused connections were surely not processed, so even `unprocessed` retries them",
    );
  });

  it("reads bytes and sends raw bodies with their content type", async () => {
    const s = await serve((req, res, body) => {
      res.writeHead(200, { "content-type": "application/zip" });
      res.end(Buffer.from(`${req.headers["content-type"] ?? ""}|${body}`));
    });
    server = s.server;
    const client = new HttpClient({ baseUrl: s.url, token: "t", retry: FAST });
    const answer = await client.requestBytes({
      method: "POST",
      path: "/a",
      query: { name: "out/x.txt", skip: undefined },
      raw: { bytes: Buffer.from("hi"), contentType: "text/plain" },
    });
    assert.equal(answer.body.toString(), "text/plain|hi");
    assert.match(s.calls[0] ?? "", /^POST \/a\?name=out%2Fx\.txt /);
  });

  it("falls back to HTTP_<status> for bodies that are not an envelope", () => {
    const error = toApiError(502, "<html>Bad gateway</html>", "GET /x");
    assert.equal(error.reason, "HTTP_502");
    assert.equal(error.status, 502);
  });

  it("refuses an answer that breaks the wire contract, naming the field", async () => {
    const s = await serve((_req, res) => json(res, 200, { jobs: [{ id: 7 }] }));
    server = s.server;
    const client = new HttpClient({ baseUrl: s.url, token: "t", retry: FAST });
    const error = await client
      .request(
        { method: "POST", path: "/jobs/runner/lease", json: {} },
        z.object({ jobs: z.array(z.object({ id: z.string() })) }),
      )
      .catch((e: unknown) => e);
    assert.ok(error instanceof RunnerApiError);
    assert.equal(error.reason, "ANSWER_OFF_CONTRACT");
    assert.match(error.message, /jobs\.0\.id/);
    assert.equal(s.calls.length, 1, "an off-contract answer is not retried");
  });

  it("reads Retry-After as seconds and as an HTTP date", () => {
    const now = Date.parse("2026-01-01T00:00:00Z");
    assert.equal(retryAfter(new Headers({ "retry-after": "3" }), now), 3_000);
    assert.equal(retryAfter(new Headers({ "retry-after": "Thu, 01 Jan 2026 00:00:07 GMT" }), now), 7_000);
    assert.equal(
      retryAfter(new Headers({ "retry-after": "Wed, 31 Dec 2025 23:59:00 GMT" }), now),
      0,
      "a date in the past: retry now",
    );
    assert.equal(retryAfter(new Headers({ "retry-after": "3600" }), now), 30_000, "capped");
    assert.equal(retryAfter(new Headers({ "retry-after": "soon" }), now), null);
    assert.equal(retryAfter(new Headers(), now), null);
  });

  it("waits out a Retry-After date before trying again", async () => {
    let n = 0;
    let firstAt = 0;
    const s = await serve((_req, res) => {
      n += 1;
      if (n === 1) {
        firstAt = Date.now();
        res.writeHead(503, {
          "content-type": "application/json",
          "retry-after": new Date(Date.now() + 2_000).toUTCString(),
        });
        res.end(JSON.stringify({ error: "TRY_AGAIN", message: "busy" }));
      } else json(res, 200, { ok: true });
    });
    server = s.server;
    const delays: number[] = [];
    const client = new HttpClient({
      baseUrl: s.url,
      token: "t",
      retry: FAST,
      onRetry: (info) => delays.push(info.delayMs),
    });
    await client.request({ method: "GET", path: "/x" }, z.object({ ok: z.literal(true) }));
    assert.equal(delays.length, 1);
    // HTTP dates have whole seconds: the wait is between 1 and 2 s, not the 5-20 ms backoff.
    assert.ok((delays[0] ?? 0) >= 1_000 && (delays[0] ?? 0) <= 2_000, `waited ${delays[0]} ms`);
    assert.ok(Date.now() - firstAt >= 900);
  });
});
