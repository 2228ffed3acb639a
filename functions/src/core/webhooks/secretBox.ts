import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import { WEBHOOK_SECRET_KEY } from "../../config/params";
import type { SealedSecret } from "../../data/webhooks";
import { ApiError } from "../../http/errors";

/** Shortest master key value accepted (characters); anything shorter is a configuration mistake. */
export const MIN_MASTER_KEY_CHARS = 32;
/** Random bytes in a webhook secret (256 bits). */
export const WEBHOOK_SECRET_BYTES = 32;

/** A new webhook secret: 256 random bits, hex (every provider's settings page takes hex). */
export function newWebhookSecret(): string {
  return randomBytes(WEBHOOK_SECRET_BYTES).toString("hex");
}

/**
 * The AES-256 key, read inside the handler (never at load, never logged). Without it no secret
 * can be sealed or opened: 503 rather than storing anything in clear.
 */
export function masterKey(): Buffer {
  let value = "";
  try {
    value = WEBHOOK_SECRET_KEY.value();
  } catch {
    value = process.env.WEBHOOK_SECRET_KEY ?? "";
  }
  if (value.length < MIN_MASTER_KEY_CHARS)
    throw new ApiError(503, "WEBHOOKS_NOT_CONFIGURED", "Webhooks are not configured on this deployment.");
  return createHash("sha256").update(value, "utf8").digest();
}

/** The additional data binds a sealed secret to its plugin: copied elsewhere, it does not open. */
function aad(teamId: string, pluginId: string): Buffer {
  return Buffer.from(`webhook\u0000${teamId}\u0000${pluginId}`, "utf8");
}

export function sealSecret(key: Buffer, teamId: string, pluginId: string, secret: string): SealedSecret {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(aad(teamId, pluginId));
  const data = Buffer.concat([cipher.update(secret, "utf8"), cipher.final()]);
  return {
    v: 1,
    iv: iv.toString("base64"),
    data: data.toString("base64"),
    tag: cipher.getAuthTag().toString("base64"),
  };
}

/** The secret, or null when it does not open (another master key, or tampered). */
export function openSecret(key: Buffer, teamId: string, pluginId: string, sealed: SealedSecret): string | null {
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(sealed.iv, "base64"));
    decipher.setAAD(aad(teamId, pluginId));
    decipher.setAuthTag(Buffer.from(sealed.tag, "base64"));
    return Buffer.concat([decipher.update(Buffer.from(sealed.data, "base64")), decipher.final()]).toString("utf8");
  } catch {
    return null;
  }
}
