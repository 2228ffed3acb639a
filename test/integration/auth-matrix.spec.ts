/**
 * Every route × every kind of caller → the expected status, generated from the routes the
 * functions actually export (their declared auth rules), so a new route cannot be left out.
 * "Accepted" means authentication and authorization passed: any answer but 401/403 (the dummy
 * ids and bodies then earn 400/404/409, which is fine here — face tests cover the happy paths).
 */
import assert from "node:assert/strict";
import { createPrivateKey } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { SignJWT } from "jose";
import type { Request } from "firebase-functions/v2/https";
import { authenticate, type AuthRule } from "../../functions/src/auth/authenticate";
import * as functions from "../../functions/src/index";
import { ApiError } from "../../functions/src/http/errors";
import { endpointsOf, type Endpoint } from "../../functions/src/http/route";
import { DEV_KEY_DIR, PROJECT_ID } from "../../scripts/stack";
import { createApiKey, createInstance } from "../harness/fixtures";
import { createJob } from "./jobs-fixtures";
import { createTeam, inTeam, join as joinTeam, type Role } from "./teams-fixtures";
import { serveFunctionsInProcess } from "../harness/inProcess";
import { adminDb, call, createUser } from "../harness/stack";

const TENANT = "11111111-2222-4333-8444-555555555555";
const OTHER_TENANT = "99999999-8888-4777-8666-555555555555";

/**
 * "refused": a 4xx other than 401 (the caller is known but gets nothing: 400 or 403).
 * "in team": accepted, and not refused as a stranger to the team (404 TEAM_NOT_FOUND).
 * "not in team": 404 TEAM_NOT_FOUND, whatever the route.
 */
type Expect = "accepted" | "refused" | "in team" | "not in team" | 401 | 403;

const ROLE_ORDER: Role[] = ["viewer", "member", "admin", "owner"];
/** The least role a route asks of a signed-in user (authenticate's default: viewer reads, member writes). */
function leastRole(rule: AuthRule, method: string): Role {
  return "public" in rule ? "viewer" : (rule.role ?? (method === "GET" ? "viewer" : "member"));
}
/** Routes about the caller rather than a team (`GET /teams`, accepting an invitation). */
const personalOnly = (rule: AuthRule) => !("public" in rule) && rule.team === "personal";

interface Caller {
  name: string;
  headers: Record<string, string>;
  expect(rule: AuthRule, path?: string, method?: string): Expect;
}

const accepts = (rule: AuthRule, kind: string) => "public" in rule || rule.accept.some((k) => k === kind);
const isPublic = (rule: AuthRule) => "public" in rule;
const isSigned = (rule: AuthRule) => "public" in rule && rule.signed === true;
const refusedUnlessPublic = (rule: AuthRule): Expect => (isPublic(rule) ? "accepted" : 401);

async function controlPlaneToken(claimTenant: string, exp = "10m"): Promise<string> {
  const key = createPrivateKey(readFileSync(join(DEV_KEY_DIR, "control-plane.private.pem"), "utf8"));
  return new SignJWT({ external_tenant_id: claimTenant, external_user_id: "7" })
    .setProtectedHeader({ alg: "RS256" })
    .setIssuedAt()
    .setExpirationTime(exp)
    .sign(key);
}

/** An ID token as the Auth emulator would issue it, but expired (the emulator does not sign). */
function expiredIdToken(uid: string): string {
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");
  const past = Math.floor(Date.now() / 1000) - 7200;
  return `${b64({ alg: "none", typ: "JWT" })}.${b64({ iss: `https://securetoken.google.com/${PROJECT_ID}`, aud: PROJECT_ID, auth_time: past, user_id: uid, sub: uid, iat: past, exp: past + 3600, firebase: { identities: {}, sign_in_provider: "password" } })}.`;
}

/** Dummy ids, except the proxy's workspace, which must equal x-client-key to get past routing. */
function concrete(path: string): string {
  return path.replace(/:workspaceId(?=\/apps\/)/g, TENANT).replace(/:[A-Za-z]+/g, "matrix-id");
}

async function inBatches<T>(items: T[], size: number, run: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(run));
}

describe("authorization matrix: every route × every caller", () => {
  it("answers each caller as the route's auth rule says", async function () {
    // Every route × 20 callers (6 of them team roles): about 2,400 calls on a 2-core machine.
    this.timeout(1_500_000);
    const user = await createUser();
    const admin = await createUser({ admin: true });
    const runner = await createInstance(user);
    const revokedRunner = await createInstance(user);
    await call("POST", "/revokeRunnerInstance", {
      token: user.idToken,
      body: { instanceId: revokedRunner.instanceId },
    });
    const allScopes = await createApiKey(user, ["runners:read", "runners:write", "jobs:read", "jobs:write"]);
    const revokedKey = await createApiKey(user, ["runners:read", "runners:write", "jobs:read", "jobs:write"]);
    await call("DELETE", `/api/keys/${revokedKey.keyId}`, { token: user.idToken });
    const bearer = (t: string) => ({ authorization: `Bearer ${t}` });
    const cp = { "x-client-key": TENANT, "x-userid": "7" };
    const tenantKey = await call<{ data: { key: string } }>("POST", "/api/coderunner/runner-keys", {
      headers: { ...bearer(await controlPlaneToken(TENANT)), ...cp },
      body: {},
    });
    assert.equal(tenantKey.status, 201, JSON.stringify(tenantKey.body));
    assert.match(tenantKey.body.data.key, /^[\w-]+\.[\w-]+$/, "the tenant runner key, from the envelope's data");
    const scopedKeys = new Map<string, string>();
    for (const scope of ["runners:read", "runners:write", "jobs:read", "jobs:write"]) {
      // A key holding every scope but this one.
      const others = ["runners:read", "runners:write", "jobs:read", "jobs:write"].filter((s) => s !== scope);
      scopedKeys.set(scope, (await createApiKey(user, others, `without ${scope}`)).key);
    }

    const callers: Caller[] = [
      { name: "no credentials", headers: {}, expect: refusedUnlessPublic },
      { name: "forged key", headers: bearer(`${"F".repeat(22)}.${"G".repeat(43)}`), expect: refusedUnlessPublic },
      { name: "garbage bearer", headers: bearer("not.a.jwt"), expect: refusedUnlessPublic },
      { name: "expired ID token", headers: bearer(expiredIdToken(user.uid)), expect: refusedUnlessPublic },
      { name: "revoked runner key", headers: bearer(revokedRunner.runnerToken), expect: refusedUnlessPublic },
      { name: "revoked API key", headers: bearer(revokedKey.key), expect: refusedUnlessPublic },
      {
        name: "runner key",
        headers: bearer(runner.runnerToken),
        expect: (r) => (accepts(r, "runner") ? "accepted" : 401),
      },
      // The Coderunner execution routes take only tenant runner keys (minted by the Control Plane);
      // a user's key, whatever its scopes, is known but gets 403 there, and a tenant runner key
      // (runners:write) gets 403 on every other key route.
      {
        name: "API key (all scopes)",
        headers: bearer(allScopes.key),
        expect: (r) => (accepts(r, "apiKey") ? "accepted" : accepts(r, "tenantRunner") ? 403 : 401),
      },
      {
        name: "tenant runner key",
        headers: bearer(tenantKey.body.data.key),
        expect: (r) => (accepts(r, "tenantRunner") ? "accepted" : accepts(r, "apiKey") ? 403 : 401),
      },
      { name: "ID token", headers: bearer(user.idToken), expect: (r) => (accepts(r, "user") ? "accepted" : 401) },
      {
        name: "admin ID token",
        headers: bearer(admin.idToken),
        expect: (r) => (accepts(r, "user") ? "accepted" : 401),
      },
      {
        name: "Control Plane JWT",
        headers: { ...bearer(await controlPlaneToken(TENANT)), ...cp },
        expect: (r) => (accepts(r, "controlPlane") ? "accepted" : 401),
      },
      {
        name: "Control Plane JWT of another tenant",
        headers: { ...bearer(await controlPlaneToken(OTHER_TENANT)), ...cp },
        expect: (r) => (isPublic(r) ? "accepted" : accepts(r, "controlPlane") ? 403 : 401),
      },
      {
        name: "expired Control Plane JWT",
        headers: { ...bearer(await controlPlaneToken(TENANT, "-1m")), ...cp },
        expect: refusedUnlessPublic,
      },
    ];

    // AUTH_MATRIX_PATHS (a regular expression on the declared path) narrows the run to some routes,
    // for checking new ones without the whole matrix; the full run (the default) is what CI does.
    const only = process.env.AUTH_MATRIX_PATHS === undefined ? null : new RegExp(process.env.AUTH_MATRIX_PATHS);
    const endpoints: Endpoint[] = Object.values(functions)
      .flatMap((fn) => endpointsOf(fn))
      .filter((e) => only === null || only.test(e.path));
    assert.ok(endpoints.length >= (only === null ? 20 : 1));
    // Caller-major order: each batch spreads over distinct routes, so the functions emulator
    // (one request per worker process) warms one worker per function instead of a dozen.
    const cases: { endpoint: Endpoint; caller: Caller; headers: Record<string, string>; teamId?: string }[] = [];
    for (const caller of callers)
      for (const endpoint of endpoints) cases.push({ endpoint, caller, headers: caller.headers });
    for (const endpoint of endpoints) {
      const rule = endpoint.auth;
      if (!("public" in rule) && rule.scope !== undefined && accepts(rule, "apiKey")) {
        const wrong = scopedKeys.get(rule.scope) ?? "";
        cases.push({
          endpoint,
          caller: { name: `API key without ${rule.scope}`, headers: bearer(wrong), expect: () => 403 },
          headers: bearer(wrong),
        });
      }
    }

    // Team callers: a real team with one user per role, a removed member and a stranger. Each
    // calls every route in that team (the path's :teamId, else the team header). An unfinished
    // job keeps the owner's DELETE /teams/:teamId from taking the team away mid-run (409).
    const owner = await createUser();
    const team = await createTeam(owner, "Matrix");
    const byRole = new Map<Role, { idToken: string }>([["owner", owner]]);
    for (const role of ["admin", "member", "viewer"] as const) {
      const user = await createUser();
      await joinTeam(owner, team.teamId, user, role);
      byRole.set(role, user);
    }
    const removed = await createUser();
    await joinTeam(owner, team.teamId, removed, "admin");
    assert.equal(
      (await call("DELETE", `/teams/${team.teamId}/members/${removed.uid}`, { token: owner.idToken })).status,
      200,
    );
    const stranger = await createUser();
    await createJob(owner.idToken, {}, inTeam(team.teamId));
    const teamCallers: Caller[] = [
      ...ROLE_ORDER.map((role): Caller => ({
        name: `${role} of the team`,
        headers: { ...bearer(byRole.get(role)?.idToken ?? ""), ...inTeam(team.teamId) },
        expect: (r, _path, method) => {
          if (!accepts(r, "user")) return isPublic(r) ? "accepted" : 401;
          if (personalOnly(r)) return "accepted";
          return ROLE_ORDER.indexOf(role) >= ROLE_ORDER.indexOf(leastRole(r, method ?? "GET")) ? "in team" : 403;
        },
      })),
      ...(
        [
          ["removed member", removed],
          ["non-member", stranger],
        ] as const
      ).map(([name, user]): Caller => ({
        name,
        headers: { ...bearer(user.idToken), ...inTeam(team.teamId) },
        expect: (r) => (isPublic(r) || personalOnly(r) ? "accepted" : !accepts(r, "user") ? 401 : "not in team"),
      })),
    ];
    for (const caller of teamCallers)
      for (const endpoint of endpoints) cases.push({ endpoint, caller, headers: caller.headers, teamId: team.teamId });

    // Every case in-process (the same exports, routed by firebase.json's rewrites), and a sample
    // through the functions emulator: each route once, the callers taken in turn, so every route
    // and every caller is seen over the deployed wiring as well.
    const mismatches: string[] = [];
    const check = async (
      { endpoint, caller, headers, teamId }: (typeof cases)[number],
      where: { base?: string; label: string; timeoutMs: number },
    ) => {
      // A signed route (webhook ingress) takes no identity at all: without its signature, every
      // caller — the owner's ID token, any key — is the same stranger, 401.
      const expected = isSigned(endpoint.auth) ? 401 : caller.expect(endpoint.auth, endpoint.path, endpoint.method);
      const started = Date.now();
      let response: { status: number; body: unknown };
      try {
        response = await call(
          endpoint.method,
          concrete(teamId === undefined ? endpoint.path : endpoint.path.replace(":teamId", teamId)),
          {
            headers,
            timeoutMs: where.timeoutMs,
            ...(where.base === undefined ? {} : { base: where.base }),
            ...(endpoint.method === "GET" || endpoint.method === "DELETE" ? {} : { body: {} }),
          },
        );
      } catch (error) {
        mismatches.push(
          `${endpoint.method} ${endpoint.path} with ${caller.name} (${where.label}): no answer within ${where.timeoutMs / 1000} s (${String(error)})`,
        );
        return;
      }
      if (Date.now() - started > 5_000)
        console.log(`slow: ${endpoint.method} ${endpoint.path} with ${caller.name}: ${Date.now() - started} ms`);
      // Seed 004's envelope puts the reason in `reason`, the others in `error`.
      const envelope = response.body as { error?: string; reason?: string } | null;
      const strangerToTeam =
        response.status === 404 && (envelope?.error === "TEAM_NOT_FOUND" || envelope?.reason === "TEAM_NOT_FOUND");
      // A route a runner answers, past authorization, says 503 `{ reason }` when no runner of the
      // team offers what it needs (none is online here): that is accepted too.
      const noRunnerOnline = response.status === 503 && typeof envelope?.reason === "string";
      const ok =
        expected === "accepted" || expected === "in team"
          ? response.status !== 401 &&
            response.status !== 403 &&
            (response.status < 500 || noRunnerOnline) &&
            !(expected === "in team" && strangerToTeam)
          : expected === "not in team"
            ? strangerToTeam
            : expected === "refused"
              ? response.status === 400 || response.status === 403
              : response.status === expected;
      if (!ok)
        mismatches.push(
          `${endpoint.method} ${endpoint.path} with ${caller.name} (${where.label}): expected ${expected}, got ${response.status} ${JSON.stringify(response.body).slice(0, 160)}`,
        );
    };
    const inProcess = await serveFunctionsInProcess();
    try {
      await inBatches(cases, 24, (c) => check(c, { base: inProcess.base, label: "in-process", timeoutMs: 45_000 }));
    } finally {
      await inProcess.stop();
    }
    console.log(`      matrix in-process: ${mismatches.length} of ${cases.length} cases differ`);
    for (const line of mismatches.slice(0, 20)) console.log(`        ${line}`);
    const sample = endpoints.flatMap((endpoint, i) => {
      const own = cases.filter((c) => c.endpoint === endpoint);
      return own.length === 0 ? [] : [own[i % own.length] as (typeof cases)[number]];
    });
    // Each of these is the function's first call: a worker boots (seconds on two busy cores).
    await inBatches(sample, 4, (c) => check(c, { label: "functions emulator", timeoutMs: 90_000 }));
    console.log(
      `      matrix: ${cases.length} cases in-process, ${sample.length} through the functions emulator (${endpoints.length} routes, ${new Set(sample.map((c) => c.caller.name)).size} of ${new Set(cases.map((c) => c.caller.name)).size} callers)`,
    );
    assert.ok(
      mismatches.length === 0,
      `${mismatches.length} of ${cases.length} cases differ:\n${mismatches.slice(0, 60).join("\n")}`,
    );
  });

  it("refuses a tenant runner key outside the Coderunner runner routes in-process too (authenticate, not only HTTP)", async function () {
    this.timeout(120_000);
    adminDb(); // points this process's Admin SDK (which authenticate() uses) at the stack's Firestore
    const cp = { "x-client-key": TENANT, "x-userid": "7" };
    const minted = await call<{ data: { key: string } }>("POST", "/api/coderunner/runner-keys", {
      headers: { authorization: `Bearer ${await controlPlaneToken(TENANT)}`, ...cp },
      body: {},
    });
    assert.equal(minted.status, 201, JSON.stringify(minted.body));
    const request = {
      headers: { authorization: `Bearer ${minted.body.data.key}` },
      query: {},
    } as unknown as Request;
    const endpoints: Endpoint[] = Object.values(functions).flatMap((fn) => endpointsOf(fn));
    const wrong: string[] = [];
    for (const endpoint of endpoints) {
      const outcome = await authenticate(request, endpoint.auth).then(
        (principal) => (principal === null ? "public" : principal.kind),
        (error: unknown) => (error instanceof ApiError ? error.status : `threw ${String(error)}`),
      );
      const expected =
        "public" in endpoint.auth
          ? "public"
          : accepts(endpoint.auth, "tenantRunner")
            ? "tenantRunner"
            : accepts(endpoint.auth, "apiKey")
              ? 403
              : 401;
      if (outcome !== expected) wrong.push(`${endpoint.method} ${endpoint.path}: expected ${expected}, got ${outcome}`);
    }
    assert.ok(
      endpoints.some((e) => !("public" in e.auth) && accepts(e.auth, "tenantRunner")),
      "some routes take tenant runner keys",
    );
    assert.deepEqual(wrong, []);
  });
});
