import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type { RefusalReason, WebhookAlgorithm, WebhookFormat } from "../../data/webhooks";

/** `t=<unix>,v1=<hex>` signatures older or newer than this are refused (replay window). */
export const TIMESTAMP_TOLERANCE_SECONDS = 5 * 60;

export interface VerificationScheme {
  algorithm: WebhookAlgorithm;
  format: WebhookFormat;
  /** Lower-cased header name. */
  header: string;
}

export type Verdict = { ok: true } | { ok: false; reason: RefusalReason };

const HEX = /^[0-9a-fA-F]+$/;

/**
 * Checks one delivery against its plugin's scheme, over the exact bytes received. Every compare
 * of secret material is constant-time; lengths are public (they follow from the algorithm).
 */
export function verifyDelivery(
  scheme: VerificationScheme,
  secret: string,
  headerValue: string | undefined,
  rawBody: Buffer,
  now: Date,
): Verdict {
  const presented = headerValue?.trim() ?? "";
  if (presented.length === 0) return refuse("MISSING_SIGNATURE");
  switch (scheme.format) {
    case "token":
      return equalSecrets(presented, secret) ? { ok: true } : refuse("BAD_SIGNATURE");
    case "hex":
      return hexMatches(presented, hmac(scheme.algorithm, secret, rawBody));
    case "prefixed": {
      const eq = presented.indexOf("=");
      if (eq < 0) return refuse("MALFORMED_SIGNATURE");
      const prefix = presented.slice(0, eq).toLowerCase();
      if (prefix !== scheme.algorithm)
        return refuse(isKnownAlgorithm(prefix) ? "WRONG_ALGORITHM" : "MALFORMED_SIGNATURE");
      return hexMatches(presented.slice(eq + 1), hmac(scheme.algorithm, secret, rawBody));
    }
    case "timestamped":
      return verifyTimestamped(scheme.algorithm, secret, presented, rawBody, now);
  }
}

/** `t=<unix>,v1=<hex>[,v1=<hex>…]` (several v1 while a sender rotates), signed over `<t>.<body>`. */
function verifyTimestamped(
  algorithm: WebhookAlgorithm,
  secret: string,
  presented: string,
  rawBody: Buffer,
  now: Date,
): Verdict {
  let timestamp: number | null = null;
  const signatures: string[] = [];
  for (const part of presented.split(",")) {
    const eq = part.indexOf("=");
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (eq < 0) return refuse("MALFORMED_SIGNATURE");
    if (key === "t") timestamp = /^\d{1,12}$/.test(value) ? Number(value) : null;
    else if (key === "v1") signatures.push(value);
  }
  if (timestamp === null || signatures.length === 0) return refuse("MALFORMED_SIGNATURE");
  if (Math.abs(now.getTime() / 1000 - timestamp) > TIMESTAMP_TOLERANCE_SECONDS) return refuse("STALE_TIMESTAMP");
  const expected = hmac(algorithm, secret, Buffer.concat([Buffer.from(`${timestamp}.`, "utf8"), rawBody]));
  // Check every candidate (no early exit), so timing says nothing about which one matched.
  let matched = false;
  for (const signature of signatures) matched = hexMatches(signature, expected).ok || matched;
  return matched ? { ok: true } : refuse("BAD_SIGNATURE");
}

function hmac(algorithm: WebhookAlgorithm, secret: string, bytes: Buffer): Buffer {
  // A token scheme never reaches here (its format is `token`); sha256 is the safe reading anyway.
  return createHmac(algorithm === "sha1" ? "sha1" : "sha256", secret)
    .update(bytes)
    .digest();
}

function hexMatches(presentedHex: string, expected: Buffer): Verdict {
  if (!HEX.test(presentedHex) || presentedHex.length % 2 !== 0) return refuse("MALFORMED_SIGNATURE");
  const presented = Buffer.from(presentedHex, "hex");
  // A digest of another length is another algorithm's (a SHA-1 digest against SHA-256).
  if (presented.length !== expected.length) return refuse("WRONG_ALGORITHM");
  return timingSafeEqual(presented, expected) ? { ok: true } : refuse("BAD_SIGNATURE");
}

/** Equal-length digests of both sides, so neither the length nor the content leaks through timing. */
function equalSecrets(presented: string, secret: string): boolean {
  const a = createHash("sha256").update(presented, "utf8").digest();
  const b = createHash("sha256").update(secret, "utf8").digest();
  return timingSafeEqual(a, b);
}

function isKnownAlgorithm(name: string): boolean {
  return ["sha1", "sha256", "sha384", "sha512", "md5"].includes(name);
}

function refuse(reason: RefusalReason): Verdict {
  return { ok: false, reason };
}

/** What a sender computes: for tests, and for the Studio's "send a test delivery" one day. */
export function signDelivery(scheme: VerificationScheme, secret: string, rawBody: Buffer, now: Date): string {
  switch (scheme.format) {
    case "token":
      return secret;
    case "hex":
      return hmac(scheme.algorithm, secret, rawBody).toString("hex");
    case "prefixed":
      return `${scheme.algorithm}=${hmac(scheme.algorithm, secret, rawBody).toString("hex")}`;
    case "timestamped": {
      const t = Math.floor(now.getTime() / 1000);
      const signed = Buffer.concat([Buffer.from(`${t}.`, "utf8"), rawBody]);
      return `t=${t},v1=${hmac(scheme.algorithm, secret, signed).toString("hex")}`;
    }
  }
}
