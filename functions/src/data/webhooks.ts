import type { CollectionReference, DocumentReference, Timestamp } from "firebase-admin/firestore";
import type { BlobRef } from "./blobs";
import { COLLECTIONS } from "./collections";
import { db } from "./firestore";

/** How a plugin's deliveries are signed (seed 002: a plugin manifest's `webhook.algorithm`). */
export type WebhookAlgorithm = "sha256" | "sha1" | "token";
/**
 * Where the signature sits in its header: `prefixed` `<algorithm>=<hex>` (GitHub, Bitbucket),
 * `hex` bare hex, `timestamped` `t=<unix>,v1=<hex>` over `<t>.<body>`, `token` the secret itself
 * (GitLab's `X-Gitlab-Token`).
 */
export type WebhookFormat = "prefixed" | "hex" | "timestamped" | "token";

/** A secret sealed with AES-256-GCM under the WEBHOOK_SECRET_KEY param (see core/webhooks/secretBox). */
export interface SealedSecret {
  /** Key version, so the master key can be rotated one day (always 1 today). */
  v: 1;
  /** 12-byte nonce, base64. */
  iv: string;
  /** Ciphertext, base64. */
  data: string;
  /** GCM tag, base64. */
  tag: string;
}

/** `teams/{teamId}/webhooks/{pluginId}`: how one plugin's deliveries are verified. */
export interface WebhookDoc {
  /** The plugin id again (the document id), for views. */
  pluginId: string;
  algorithm: WebhookAlgorithm;
  format: WebhookFormat;
  /** Header carrying the signature or token, lower-cased (Node lower-cases request headers). */
  header: string;
  /** Header naming the delivery for dedupe, lower-cased; null: the well-known ones (see receiveDelivery). */
  deliveryIdHeader: string | null;
  /** The shared secret, sealed: HMAC needs the secret itself, so a hash would not do. */
  secret: SealedSecret;
  /** When the secret was minted (creation or rotation). */
  secretCreatedAt: Timestamp;
  createdBy: string;
  createdAt: Timestamp;
  updatedAt: Timestamp;
}

export type DeliveryOutcome = "accepted" | "refused";
/** Why a delivery to a configured plugin was refused (the caller only ever sees 401). */
export type RefusalReason =
  "MISSING_SIGNATURE" | "MALFORMED_SIGNATURE" | "WRONG_ALGORITHM" | "BAD_SIGNATURE" | "STALE_TIMESTAMP";

/** `teams/{teamId}/webhooks/{pluginId}/deliveries/{id}`: one delivery, accepted or refused. */
export interface DeliveryDoc {
  pluginId: string;
  outcome: DeliveryOutcome;
  /** Null when accepted. */
  reason: RefusalReason | null;
  /** The sender's delivery id (header), when it sent one; accepted ones are deduped on it. */
  deliveryId: string | null;
  /** The job an accepted delivery became; null when refused. */
  jobId: string | null;
  /** The delivery this one re-sends (`…/redeliver`), else null. */
  redeliveryOf: string | null;
  /** Size and SHA-256 of the body as received (refused bodies are never stored). */
  bodyBytes: number;
  bodySha256: string;
  /** Accepted only: the body itself (content-addressed blob) and the forwarded headers. */
  body: BlobRef | null;
  headers: Record<string, string> | null;
  receivedAt: Timestamp;
  /** Firestore TTL deletes the record after this (RETENTION_DAYS). */
  expireAt: Timestamp;
}

export function webhooks(teamId: string): CollectionReference<WebhookDoc> {
  return db().collection(COLLECTIONS.teams).doc(teamId).collection("webhooks") as CollectionReference<WebhookDoc>;
}

export function webhookRef(teamId: string, pluginId: string): DocumentReference<WebhookDoc> {
  return webhooks(teamId).doc(pluginId);
}

/** Newest first by `receivedAt`: a single-field order, no composite index. */
export function deliveries(teamId: string, pluginId: string): CollectionReference<DeliveryDoc> {
  return webhookRef(teamId, pluginId).collection("deliveries") as CollectionReference<DeliveryDoc>;
}
