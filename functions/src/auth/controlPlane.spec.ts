import assert from "node:assert/strict";
import { createHmac, generateKeyPairSync } from "node:crypto";
import type { Request } from "firebase-functions/v2/https";
import { SignJWT } from "jose";
import { ApiError } from "../http/errors";
import { controlPlaneConfigProblem, verifyControlPlaneToken } from "./controlPlane";

const TENANT = "6f1c2a9e-3b7d-4c1e-9a55-0d2f3e4b5c6d";
const USER = "42";
const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const publicPem = publicKey.export({ type: "spki", format: "pem" }).toString();
const other = generateKeyPairSync("rsa", { modulusLength: 2048 });

function request(headers: Record<string, string>): Request {
  return { headers } as unknown as Request;
}

function sign(
  claims: Record<string, unknown>,
  options: { exp?: string | number | null; iat?: number | null; key?: typeof privateKey; alg?: string } = {},
) {
  let jwt = new SignJWT(claims).setProtectedHeader({ alg: options.alg ?? "RS256" });
  if (options.iat !== null) jwt = jwt.setIssuedAt(options.iat);
  if (options.exp !== null) jwt = jwt.setExpirationTime(options.exp ?? "5m");
  return jwt.sign(options.key ?? privateKey);
}

function base64url(value: string | Buffer): string {
  return Buffer.from(value).toString("base64url");
}

async function rejection(promise: Promise<unknown>): Promise<ApiError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ApiError, `expected an ApiError, got ${String(error)}`);
    return error;
  }
  assert.fail("expected the token to be refused");
}

const good = { external_tenant_id: TENANT, external_user_id: USER };
const headers = { "x-client-key": TENANT, "x-userid": USER };

describe("Control Plane JWT (seed 000)", () => {
  beforeEach(() => {
    process.env.CONTROL_PLANE_PUBLIC_KEY = publicPem;
    process.env.CONTROL_PLANE_JWKS_URL = "";
    process.env.CONTROL_PLANE_ISSUER = "";
    process.env.CONTROL_PLANE_AUDIENCE = "";
    process.env.CONTROL_PLANE_MAX_TOKEN_AGE_SECONDS = "3600";
    process.env.FUNCTIONS_EMULATOR = "true";
  });

  after(() => {
    delete process.env.FUNCTIONS_EMULATOR;
  });

  it("accepts a valid RS256 token whose claims match the headers", async () => {
    const principal = await verifyControlPlaneToken(await sign(good), request(headers));
    assert.deepEqual(principal, { kind: "controlPlane", tenantId: TENANT, userId: USER });
  });

  it("accepts the public key with escaped newlines, as a .env file holds it", async () => {
    process.env.CONTROL_PLANE_PUBLIC_KEY = publicPem.trim().replace(/\n/g, "\\n");
    const principal = await verifyControlPlaneToken(await sign(good), request(headers));
    assert.equal(principal.tenantId, TENANT);
  });

  it("refuses an expired token with 401 TOKEN_EXPIRED", async () => {
    const token = await sign(good, { exp: Math.floor(Date.now() / 1000) - 60 });
    const error = await rejection(verifyControlPlaneToken(token, request(headers)));
    assert.equal(error.status, 401);
    assert.equal(error.reason, "TOKEN_EXPIRED");
  });

  it("refuses a token without exp", async () => {
    const error = await rejection(verifyControlPlaneToken(await sign(good, { exp: null }), request(headers)));
    assert.equal(error.status, 401);
  });

  it("refuses alg none", async () => {
    const token = `${base64url(JSON.stringify({ alg: "none", typ: "JWT" }))}.${base64url(
      JSON.stringify({ ...good, exp: Math.floor(Date.now() / 1000) + 300 }),
    )}.`;
    const error = await rejection(verifyControlPlaneToken(token, request(headers)));
    assert.equal(error.status, 401);
  });

  it("refuses HS256 signed with the public key as the HMAC secret", async () => {
    const header = base64url(JSON.stringify({ alg: "HS256", typ: "JWT" }));
    const payload = base64url(JSON.stringify({ ...good, exp: Math.floor(Date.now() / 1000) + 300 }));
    const signature = createHmac("sha256", publicPem).update(`${header}.${payload}`).digest("base64url");
    const error = await rejection(verifyControlPlaneToken(`${header}.${payload}.${signature}`, request(headers)));
    assert.equal(error.status, 401);
  });

  it("refuses a token signed by another key", async () => {
    const error = await rejection(
      verifyControlPlaneToken(await sign(good, { key: other.privateKey }), request(headers)),
    );
    assert.equal(error.status, 401);
  });

  it("refuses claims that differ from x-client-key / x-userid with 403", async () => {
    const otherTenant = await sign({ ...good, external_tenant_id: "00000000-0000-4000-8000-000000000000" });
    assert.equal((await rejection(verifyControlPlaneToken(otherTenant, request(headers)))).status, 403);
    const otherUser = await sign({ ...good, external_user_id: "43" });
    assert.equal((await rejection(verifyControlPlaneToken(otherUser, request(headers)))).status, 403);
  });

  it("refuses a token without the tenant and user claims", async () => {
    const error = await rejection(verifyControlPlaneToken(await sign({}), request(headers)));
    assert.equal(error.status, 401);
    assert.equal(error.reason, "MISSING_CLAIMS");
  });

  it("refuses a request missing x-client-key or x-userid with 401", async () => {
    const token = await sign(good);
    assert.equal((await rejection(verifyControlPlaneToken(token, request({ "x-userid": USER })))).status, 401);
    assert.equal((await rejection(verifyControlPlaneToken(token, request({ "x-client-key": TENANT })))).status, 401);
  });

  it("checks issuer and audience when configured", async () => {
    process.env.CONTROL_PLANE_ISSUER = "https://control-plane.example";
    process.env.CONTROL_PLANE_AUDIENCE = "coderunner";
    assert.equal((await rejection(verifyControlPlaneToken(await sign(good), request(headers)))).status, 401);
    const token = await new SignJWT(good)
      .setProtectedHeader({ alg: "RS256" })
      .setIssuer("https://control-plane.example")
      .setAudience("coderunner")
      .setIssuedAt()
      .setExpirationTime("5m")
      .sign(privateKey);
    assert.equal((await verifyControlPlaneToken(token, request(headers))).userId, USER);
  });

  it("answers 503 when no key is configured, instead of accepting anything", async () => {
    process.env.CONTROL_PLANE_PUBLIC_KEY = "";
    const error = await rejection(verifyControlPlaneToken(await sign(good), request(headers)));
    assert.equal(error.status, 503);
  });
  describe("claims matrix", () => {
    const nowS = () => Math.floor(Date.now() / 1000);
    const YEAR_2090 = Date.UTC(2090, 0, 1) / 1000;
    const YEAR_2100 = Date.UTC(2100, 0, 1) / 1000;
    const ISSUER = "https://control-plane.example";
    const AUDIENCE = "coderunner";
    type Case = {
      name: string;
      claims?: Record<string, unknown>;
      iat?: number | null;
      exp?: number | null;
      status: number | "ok";
      reason?: string;
    };
    const cases: Case[] = [
      { name: "fresh, right issuer and audience", status: "ok" },
      { name: "no iat", iat: null, status: 401, reason: "INVALID_TOKEN" },
      {
        name: "iat older than the maximum age, exp still ahead",
        iat: nowS() - 3700,
        exp: nowS() + 3600,
        status: 401,
        reason: "TOKEN_EXPIRED",
      },
      { name: "iat just inside the maximum age", iat: nowS() - 3500, exp: nowS() + 60, status: "ok" },
      {
        name: "exp in 2100, iat in 2090 (from the review)",
        iat: YEAR_2090,
        exp: YEAR_2100,
        status: 401,
        reason: "INVALID_TOKEN",
      },
      { name: "exp in 2100, iat now: usable only for the maximum age", exp: YEAR_2100, status: "ok" },
      { name: "iat a minute in the future", iat: nowS() + 120, status: 401, reason: "INVALID_TOKEN" },
      { name: "iat a few seconds in the future (clock skew)", iat: nowS() + 10, status: "ok" },
      { name: "no exp", exp: null, status: 401, reason: "INVALID_TOKEN" },
      { name: "expired", exp: nowS() - 120, iat: nowS() - 600, status: 401, reason: "TOKEN_EXPIRED" },
      { name: "another issuer", claims: { iss: "https://evil.example" }, status: 401, reason: "INVALID_TOKEN" },
      { name: "no issuer", claims: { iss: undefined }, status: 401, reason: "INVALID_TOKEN" },
      { name: "another audience", claims: { aud: "someone-else" }, status: 401, reason: "INVALID_TOKEN" },
      { name: "audience list containing ours", claims: { aud: ["other", AUDIENCE] }, status: "ok" },
      { name: "no audience", claims: { aud: undefined }, status: 401, reason: "INVALID_TOKEN" },
    ];

    beforeEach(() => {
      process.env.CONTROL_PLANE_ISSUER = ISSUER;
      process.env.CONTROL_PLANE_AUDIENCE = AUDIENCE;
    });

    for (const c of cases) {
      it(`${c.name}: ${c.status === "ok" ? "accepted" : `${c.status} ${c.reason ?? ""}`}`, async () => {
        const claims = Object.fromEntries(
          Object.entries({ ...good, iss: ISSUER, aud: AUDIENCE, ...c.claims }).filter(([, v]) => v !== undefined),
        );
        const token = await sign(claims, {
          iat: c.iat === undefined ? nowS() : c.iat,
          exp: c.exp === undefined ? nowS() + 300 : c.exp,
        });
        if (c.status === "ok") {
          assert.equal((await verifyControlPlaneToken(token, request(headers))).tenantId, TENANT);
          return;
        }
        const error = await rejection(verifyControlPlaneToken(token, request(headers)));
        assert.equal(error.status, c.status);
        assert.equal(error.reason, c.reason);
      });
    }
  });

  describe("outside the emulator", () => {
    beforeEach(() => {
      delete process.env.FUNCTIONS_EMULATOR;
    });

    for (const missing of ["CONTROL_PLANE_ISSUER", "CONTROL_PLANE_AUDIENCE"] as const) {
      it(`refuses every token with 503 naming ${missing} when it is unset, and says so for the startup log`, async () => {
        process.env.CONTROL_PLANE_ISSUER = "https://control-plane.example";
        process.env.CONTROL_PLANE_AUDIENCE = "coderunner";
        process.env[missing] = "";
        assert.match(controlPlaneConfigProblem() ?? "", new RegExp(`^${missing} must be set outside the emulator`));
        const error = await rejection(
          verifyControlPlaneToken(
            await sign({ ...good, iss: "https://control-plane.example", aud: "coderunner" }),
            request(headers),
          ),
        );
        assert.equal(error.status, 503);
        assert.equal(error.reason, "CONTROL_PLANE_AUTH_UNCONFIGURED");
        assert.match(error.message, new RegExp(missing));
      });
    }

    it("with both set, checks them as usual", async () => {
      process.env.CONTROL_PLANE_ISSUER = "https://control-plane.example";
      process.env.CONTROL_PLANE_AUDIENCE = "coderunner";
      assert.equal(controlPlaneConfigProblem(), null);
      const token = await sign({ ...good, iss: "https://control-plane.example", aud: "coderunner" });
      assert.equal((await verifyControlPlaneToken(token, request(headers))).userId, USER);
      assert.equal((await rejection(verifyControlPlaneToken(await sign(good), request(headers)))).status, 401);
    });

    it("in the emulator, unset issuer and audience are allowed (local dev tokens)", () => {
      process.env.FUNCTIONS_EMULATOR = "true";
      assert.equal(controlPlaneConfigProblem(), null);
    });
  });
});
