import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/** Bytes of randomness in a credential secret (256 bits). */
export const SECRET_BYTES = 32;

/**
 * A new credential id: 16 random bytes, URL-safe, no dots, and never a leading "-" or "_". The id
 * starts the token (`id.secret`), and a token that starts with "-" reads as an option to a CLI:
 * `runnerplane-runner register --token -Ab…` was refused as ambiguous for one key in 64.
 */
export function newCredentialId(): string {
  for (;;) {
    const id = randomBytes(16).toString("base64url");
    if (/^[A-Za-z0-9]/.test(id)) return id;
  }
}

/** A new secret with 256 random bits, URL-safe, no dots. */
export function newSecret(): string {
  return randomBytes(SECRET_BYTES).toString("base64url");
}

export function hashSecret(secret: string): string {
  return createHash("sha256").update(secret, "utf8").digest("hex");
}

/** Compares a presented secret with a stored hash in constant time. */
export function secretMatches(secret: string, storedHash: string): boolean {
  const presented = Buffer.from(hashSecret(secret), "hex");
  const stored = Buffer.from(storedHash, "hex");
  return presented.length === stored.length && timingSafeEqual(presented, stored);
}

/** Splits `credentialId.secret`; null when the token does not have that shape. */
export function splitCredentialToken(token: string): { credentialId: string; secret: string } | null {
  const match = /^([A-Za-z0-9_-]{8,64})\.([A-Za-z0-9_-]{32,128})$/.exec(token);
  if (match === null) return null;
  const [, credentialId, secret] = match;
  if (credentialId === undefined || secret === undefined) return null;
  return { credentialId, secret };
}
