/**
 * Bad input, for every route the functions export: malformed JSON, wrong types, missing and
 * extra fields, huge strings and arrays, unicode edge cases, oversized bodies and wrong content
 * types. Never a 5xx; a 4xx always comes in the face's envelope; and a 4xx changes nothing.
 */
import assert from "node:assert/strict";
import { createPrivateKey } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { SignJWT } from "jose";
import type { AuthRule } from "../../functions/src/auth/authenticate";
import * as functions from "../../functions/src/index";
import type { Face } from "../../functions/src/http/envelopes";
import { endpointsOf, type Endpoint } from "../../functions/src/http/route";
import { DEV_KEY_DIR, FUNCTIONS_BASE } from "../../scripts/stack";
import { createApiKey, createInstance } from "../harness/fixtures";
import { changeTracker, type DatabaseState } from "../harness/snapshot";
import { adminDb, API_BASE, call, createUser } from "../harness/stack";

const TENANT = "11111111-2222-4333-8444-555555555555";
/** Samples per route; the fixed edge cases below run on every route as well. */
const SAMPLES = Number(process.env.BAD_INPUT_SAMPLES ?? 5);
const SEED = Number(process.env.BAD_INPUT_SEED ?? 20261123);

/** Does the body look like this face's error envelope? */
function isEnvelope(face: Face, body: unknown): boolean {
  if (typeof body !== "object" || body === null) return false;
  const b = body as Record<string, unknown>;
  switch (face) {
    case "coderunner":
      return b.success === false && typeof b.message === "string" && b.data === null;
    case "fleet":
      return b.data === null && typeof b.error === "string";
    default:
      return typeof b.error === "string" && typeof b.message === "string";
  }
}

const unicode = [
  "\u0000",
  "\uD800",
  "\uFFFF",
  "🧨".repeat(200),
  "\u202Eevil",
  "a\u0301",
  "\r\n\t",
  "' OR 1=1 --",
  "<script>alert(1)</script>",
  "../../etc/passwd",
];

const junk = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.dictionary(
    fc.constantFrom(
      "workspaceId",
      "name",
      "kind",
      "type",
      "payload",
      "status",
      "logs",
      "scopes",
      "title",
      "text",
      "target",
      "runnerId",
      "DefinitionId",
      "error",
      "summaryText",
      "assistantMessage",
      "waitMs",
      "jobId",
      "delayMs",
      "runAt",
      "retry",
      "maxAttempts",
      "backoffMs",
      "timeoutMs",
      "concurrencyKey",
      "concurrencyLimit",
      "capabilities",
      "plugins",
    ),
    fc.jsonValue({ maxDepth: 2 }),
  ),
  fc.constantFrom<unknown>(
    null,
    [],
    "",
    0,
    true,
    "x".repeat(70_000),
    Array.from({ length: 5_000 }, () => 1),
    { kind: "user", extra: "field" },
    ...unicode.map((u) => ({ workspaceId: u, name: u, text: u, title: u })),
  ),
);

function concrete(path: string, sample: string): string {
  return path.replace(/:[A-Za-z]+/g, encodeURIComponent(sample));
}

/** Team routes run in the caller's own (personal) team, so that their bodies are what gets checked. */
let callerTeam = "bad-id";

async function send(
  endpoint: Endpoint,
  headers: Record<string, string>,
  body: string | undefined,
  contentType = "application/json",
) {
  const response = await fetch(`${API_BASE}${concrete(endpoint.path.replace(":teamId", callerTeam), "bad-id")}`, {
    method: endpoint.method,
    headers: body === undefined ? headers : { ...headers, "content-type": contentType },
    body,
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // leave as text
  }
  return { status: response.status, body: parsed };
}

describe("bad input on every route", () => {
  it("never answers 5xx, answers 4xx in the face's envelope, and a 4xx changes nothing", async function () {
    this.timeout(600_000);
    const user = await createUser();
    callerTeam = user.uid;
    const runner = await createInstance(user);
    const key = await createApiKey(user, ["runners:read", "runners:write", "jobs:read", "jobs:write"]);
    const cpToken = await new SignJWT({ external_tenant_id: TENANT, external_user_id: "7" })
      .setProtectedHeader({ alg: "RS256" })
      .setIssuedAt()
      .setExpirationTime("30m")
      .sign(createPrivateKey(readFileSync(join(DEV_KEY_DIR, "control-plane.private.pem"), "utf8")));
    const tenantKey = await call<{ data: { key: string } }>("POST", "/api/coderunner/runner-keys", {
      headers: { authorization: `Bearer ${cpToken}`, "x-client-key": TENANT, "x-userid": "7" },
      body: {},
    });
    assert.equal(tenantKey.status, 201, JSON.stringify(tenantKey.body));
    assert.match(tenantKey.body.data.key, /^[\w-]+\.[\w-]+$/, "the tenant runner key, from the envelope's data");
    const headersFor = (rule: AuthRule): Record<string, string> => {
      if ("public" in rule) return {};
      if (rule.accept.includes("tenantRunner")) return { authorization: `Bearer ${tenantKey.body.data.key}` };
      if (rule.accept.includes("user")) return { authorization: `Bearer ${user.idToken}` };
      if (rule.accept.includes("runner")) return { authorization: `Bearer ${runner.runnerToken}` };
      if (rule.accept.includes("apiKey")) return { authorization: `Bearer ${key.key}` };
      return { authorization: `Bearer ${cpToken}`, "x-client-key": TENANT, "x-userid": "7" };
    };
    // Use every credential once so lastUsedAt settles before the first snapshot.
    // BAD_INPUT_PATHS (a regular expression on the declared path) narrows the run to some routes.
    const only = process.env.BAD_INPUT_PATHS === undefined ? null : new RegExp(process.env.BAD_INPUT_PATHS);
    const named = Object.entries(functions)
      .flatMap(([name, fn]) => endpointsOf(fn).map((endpoint) => ({ name, endpoint })))
      .filter(({ endpoint }) => only === null || only.test(endpoint.path));
    assert.ok(named.length >= (only === null ? 20 : 1));

    const failures: string[] = [];
    const changes = changeTracker(adminDb());
    let platformRefusals = 0;
    const check = async (
      endpoint: Endpoint,
      label: string,
      result: { status: number; body: unknown },
      before: DatabaseState | null,
      sample?: unknown,
    ) => {
      const where = `${endpoint.method} ${endpoint.path} [${label}]`;
      // The platform's JSON body parser (strict mode) refuses a top-level string/number/boolean/null
      // with its own HTML 400 before any function code runs (README: known limits). Only then.
      const platformRefusal =
        result.status === 400 &&
        typeof result.body === "string" &&
        result.body.includes("SyntaxError") &&
        (typeof sample !== "object" || sample === null);
      // The routes a runner answers say 503 `{ reason }` when no runner of the team offers what they
      // need (seed 002's `{ reason: "no-llm" }`): the right answer here, where no runner is online.
      const noRunner =
        result.status === 503 &&
        typeof result.body === "object" &&
        result.body !== null &&
        typeof (result.body as { reason?: unknown }).reason === "string";
      if (result.status >= 500 && !noRunner)
        failures.push(`${where}: ${result.status} ${JSON.stringify(result.body).slice(0, 200)}`);
      else if (platformRefusal) platformRefusals += 1;
      else if (
        result.status >= 400 &&
        result.status !== 404 &&
        result.status !== 405 &&
        !isEnvelope(endpoint.face, result.body)
      ) {
        // 404/405 may come from Hosting itself for a malformed path; everything else is ours.
        failures.push(
          `${where}: ${result.status} not in the ${endpoint.face} envelope: ${JSON.stringify(result.body).slice(0, 200)}`,
        );
      }
      if (before !== null && result.status >= 400 && !(await changes.unchangedSince(before))) {
        failures.push(`${where}: a ${result.status} answer changed the database`);
      }
    };

    for (const { name, endpoint } of named) {
      const headers = headersFor(endpoint.auth);
      await send(endpoint, headers, undefined);
      const before = await changes.state();
      const bodyRoute = endpoint.method !== "GET" && endpoint.method !== "DELETE";
      if (bodyRoute) {
        await check(
          endpoint,
          "wrong content type",
          await send(endpoint, headers, "kind=user&name=x", "application/x-www-form-urlencoded"),
          before,
        );
        await check(
          endpoint,
          "oversized body",
          await send(endpoint, headers, JSON.stringify({ blob: "x".repeat(9 * 1024 * 1024) })),
          before,
        );
        await check(endpoint, "json array", await send(endpoint, headers, "[1,2,3]"), before);
        const samples = fc.sample(junk, { numRuns: SAMPLES, seed: SEED });
        for (const [i, sample] of samples.entries()) {
          const result = await send(endpoint, headers, JSON.stringify(sample));
          // A sample that happens to be valid may legitimately succeed and change things.
          await check(
            endpoint,
            `sample ${i}: ${JSON.stringify(sample).slice(0, 60)}`,
            result,
            result.status >= 400 ? before : null,
            sample,
          );
          if (result.status < 400) break;
        }
      }
      // Straight to the function: Hosting's static layer answers a malformed URL itself.
      for (const bad of ["%E0%A4%A", "🧨", "a".repeat(600), "..%2F..%2Fcredentials"]) {
        if (endpoint.paramNames.length === 0) break;
        const response = await fetch(`${FUNCTIONS_BASE}/${name}${endpoint.path.replace(/:[A-Za-z]+/g, bad)}`, {
          method: endpoint.method,
          headers,
        });
        const text = await response.text();
        if (response.status >= 500)
          failures.push(
            `${endpoint.method} ${endpoint.path} [path ${bad.slice(0, 20)}]: ${response.status} ${text.slice(0, 200)}`,
          );
      }
    }
    console.log(
      `      bad input: ${named.length} routes; ${platformRefusals} non-object JSON bodies refused by the platform's parser`,
    );
    assert.ok(failures.length === 0, `${failures.length} failures:\n${failures.slice(0, 60).join("\n")}`);
  });
});
