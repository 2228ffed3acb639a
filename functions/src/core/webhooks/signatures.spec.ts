import assert from "node:assert/strict";
import { createHmac, randomBytes } from "node:crypto";
import { openSecret, sealSecret } from "./secretBox";
import { signDelivery, TIMESTAMP_TOLERANCE_SECONDS, verifyDelivery, type VerificationScheme } from "./signatures";

const NOW = new Date("2026-11-30T12:00:00Z");
const SECRET = "3f1c0d6a9b8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a";
const BODY = Buffer.from('{"action":"opened","number":7,"ü":"\\u00fc"}\n', "utf8");

const GITHUB: VerificationScheme = { algorithm: "sha256", format: "prefixed", header: "x-hub-signature-256" };
const BITBUCKET: VerificationScheme = { algorithm: "sha256", format: "prefixed", header: "x-hub-signature" };
const GITHUB_SHA1: VerificationScheme = { algorithm: "sha1", format: "prefixed", header: "x-hub-signature" };
const BARE_HEX: VerificationScheme = { algorithm: "sha256", format: "hex", header: "x-signature" };
const TIMESTAMPED: VerificationScheme = { algorithm: "sha256", format: "timestamped", header: "x-signature" };
const GITLAB: VerificationScheme = { algorithm: "token", format: "token", header: "x-gitlab-token" };

const hex = (algorithm: string, bytes: Buffer, secret = SECRET) =>
  createHmac(algorithm, secret).update(bytes).digest("hex");
const verify = (scheme: VerificationScheme, header: string | undefined, body = BODY, now = NOW) =>
  verifyDelivery(scheme, SECRET, header, body, now);
const tampered = (bytes: Buffer, at: number) => {
  const copy = Buffer.from(bytes);
  copy[at] = (copy[at] ?? 0) ^ 0x01;
  return copy;
};

describe("webhook signatures", () => {
  describe("prefixed HMAC (GitHub X-Hub-Signature-256, Bitbucket X-Hub-Signature)", () => {
    it("accepts a signature computed independently over the exact bytes", () => {
      assert.deepEqual(verify(GITHUB, `sha256=${hex("sha256", BODY)}`), { ok: true });
      assert.deepEqual(verify(BITBUCKET, `sha256=${hex("sha256", BODY)}`), { ok: true });
      assert.deepEqual(verify(GITHUB_SHA1, `sha1=${hex("sha1", BODY)}`), { ok: true });
      // Hex case is not significant; surrounding whitespace is not part of the value.
      assert.deepEqual(verify(GITHUB, ` sha256=${hex("sha256", BODY).toUpperCase()} `), { ok: true });
    });

    it("refuses a wrong signature (another secret)", () => {
      assert.deepEqual(verify(GITHUB, `sha256=${hex("sha256", BODY, "another secret")}`), {
        ok: false,
        reason: "BAD_SIGNATURE",
      });
    });

    it("refuses a missing or empty header", () => {
      assert.deepEqual(verify(GITHUB, undefined), { ok: false, reason: "MISSING_SIGNATURE" });
      assert.deepEqual(verify(GITHUB, "   "), { ok: false, reason: "MISSING_SIGNATURE" });
    });

    it("refuses the wrong algorithm, by prefix or by digest length", () => {
      assert.deepEqual(verify(GITHUB, `sha1=${hex("sha1", BODY)}`), { ok: false, reason: "WRONG_ALGORITHM" });
      assert.deepEqual(verify(GITHUB_SHA1, `sha256=${hex("sha256", BODY)}`), { ok: false, reason: "WRONG_ALGORITHM" });
      // The right prefix over a SHA-1 digest: a digest of the wrong length.
      assert.deepEqual(verify(GITHUB, `sha256=${hex("sha1", BODY)}`), { ok: false, reason: "WRONG_ALGORITHM" });
    });

    it("refuses when one byte of the body is changed, wherever it is", () => {
      const signature = `sha256=${hex("sha256", BODY)}`;
      for (const at of [0, Math.floor(BODY.length / 2), BODY.length - 1])
        assert.deepEqual(verify(GITHUB, signature, tampered(BODY, at)), { ok: false, reason: "BAD_SIGNATURE" });
      // A re-encoded body (what a JSON parser and serializer would hand over) does not verify either.
      const reserialized = Buffer.from(JSON.stringify(JSON.parse(BODY.toString("utf8"))), "utf8");
      assert.notDeepEqual(verify(GITHUB, signature, reserialized), { ok: true });
    });

    it("refuses when one hex digit of the signature is changed", () => {
      const good = hex("sha256", BODY);
      const bad = `${good.slice(0, 10)}${good[10] === "0" ? "1" : "0"}${good.slice(11)}`;
      assert.deepEqual(verify(GITHUB, `sha256=${bad}`), { ok: false, reason: "BAD_SIGNATURE" });
    });

    it("refuses malformed values without throwing", () => {
      for (const value of ["sha256", "sha256=", "sha256=zz", "sha256=abc", "=abc", "nonsense=00", "sha256=💥"])
        assert.equal(verify(GITHUB, value).ok, false, value);
    });
  });

  describe("bare hex HMAC", () => {
    it("accepts the digest alone and refuses it prefixed or tampered", () => {
      assert.deepEqual(verify(BARE_HEX, hex("sha256", BODY)), { ok: true });
      assert.equal(verify(BARE_HEX, `sha256=${hex("sha256", BODY)}`).ok, false);
      assert.deepEqual(verify(BARE_HEX, hex("sha256", BODY), tampered(BODY, 3)), {
        ok: false,
        reason: "BAD_SIGNATURE",
      });
    });
  });

  describe("timestamped t=<unix>,v1=<hex> (5-minute tolerance)", () => {
    const at = (date: Date) => Math.floor(date.getTime() / 1000);
    const signed = (t: number, body = BODY) =>
      `t=${t},v1=${hex("sha256", Buffer.concat([Buffer.from(`${t}.`), body]))}`;

    it("accepts a fresh signature over `<t>.<body>`, also among several v1 (key rotation)", () => {
      assert.deepEqual(verify(TIMESTAMPED, signed(at(NOW))), { ok: true });
      const other = `v1=${hex("sha256", BODY, "old secret")}`;
      assert.deepEqual(verify(TIMESTAMPED, `${signed(at(NOW))},${other}`), { ok: true });
      const [t, v1] = signed(at(NOW)).split(",");
      assert.deepEqual(verify(TIMESTAMPED, `${t},${other},${v1}`), { ok: true });
    });

    it("accepts at the edge of the window and refuses past it, either way", () => {
      const edge = TIMESTAMP_TOLERANCE_SECONDS;
      assert.deepEqual(verify(TIMESTAMPED, signed(at(NOW) - edge)), { ok: true });
      assert.deepEqual(verify(TIMESTAMPED, signed(at(NOW) - edge - 1)), { ok: false, reason: "STALE_TIMESTAMP" });
      assert.deepEqual(verify(TIMESTAMPED, signed(at(NOW) + edge + 1)), { ok: false, reason: "STALE_TIMESTAMP" });
    });

    it("refuses a replayed signature with the timestamp moved, and a tampered byte", () => {
      const original = signed(at(NOW) - 10);
      const moved = original.replace(/^t=\d+/, `t=${at(NOW)}`);
      assert.deepEqual(verify(TIMESTAMPED, moved), { ok: false, reason: "BAD_SIGNATURE" });
      assert.deepEqual(verify(TIMESTAMPED, original, tampered(BODY, 5)), { ok: false, reason: "BAD_SIGNATURE" });
    });

    it("refuses missing parts and garbage", () => {
      for (const value of [`t=${at(NOW)}`, `v1=${hex("sha256", BODY)}`, "t=abc,v1=00", "t,v1", "x=1,y=2"])
        assert.deepEqual(verify(TIMESTAMPED, value), { ok: false, reason: "MALFORMED_SIGNATURE" }, value);
    });
  });

  describe("plain shared token (GitLab X-Gitlab-Token)", () => {
    it("accepts the secret itself and nothing else", () => {
      assert.deepEqual(verify(GITLAB, SECRET), { ok: true });
      assert.deepEqual(verify(GITLAB, `${SECRET}x`), { ok: false, reason: "BAD_SIGNATURE" });
      assert.deepEqual(verify(GITLAB, SECRET.slice(1)), { ok: false, reason: "BAD_SIGNATURE" });
      assert.deepEqual(verify(GITLAB, undefined), { ok: false, reason: "MISSING_SIGNATURE" });
    });
  });

  it("signDelivery produces what verifyDelivery accepts, for every scheme", () => {
    for (const scheme of [GITHUB, BITBUCKET, GITHUB_SHA1, BARE_HEX, TIMESTAMPED, GITLAB])
      assert.deepEqual(verify(scheme, signDelivery(scheme, SECRET, BODY, NOW)), { ok: true }, scheme.format);
  });
});

describe("webhook secret sealing", () => {
  const key = randomBytes(32);

  it("opens what it sealed, for the same team and plugin only", () => {
    const sealed = sealSecret(key, "team_a", "github", SECRET);
    assert.ok(!JSON.stringify(sealed).includes(SECRET), "the stored form does not contain the secret");
    assert.equal(openSecret(key, "team_a", "github", sealed), SECRET);
    assert.equal(openSecret(key, "team_b", "github", sealed), null);
    assert.equal(openSecret(key, "team_a", "gitlab", sealed), null);
    assert.equal(openSecret(randomBytes(32), "team_a", "github", sealed), null);
  });

  it("refuses a tampered ciphertext", () => {
    const sealed = sealSecret(key, "team_a", "github", SECRET);
    const data = Buffer.from(sealed.data, "base64");
    data[0] = (data[0] ?? 0) ^ 1;
    assert.equal(openSecret(key, "team_a", "github", { ...sealed, data: data.toString("base64") }), null);
  });
});
