import { createHash } from "node:crypto";
import { Timestamp, type Transaction } from "firebase-admin/firestore";
import * as logger from "firebase-functions/logger";
import { jobs } from "../../data/jobs";
import { teams } from "../../data/teams";
import { deliveries, webhookRef, type DeliveryDoc, type RefusalReason, type WebhookDoc } from "../../data/webhooks";
import { ApiError, Unauthenticated } from "../../http/errors";
import { blobStore, type BlobRef } from "../blobs/blobStore";
import { newJobDoc } from "../jobs/newJob";
import { genericFields, queueOf } from "../jobsApi/model";
import { assertUnderQuota, runGuardedTransaction, teamPendingJobs } from "../quotas/guardCount";
import { QUOTAS } from "../quotas/quotas";
import { takeRateSlot } from "../quotas/rateLimit";
import { expireAtFrom } from "../retention/retention";
import { masterKey, openSecret } from "./secretBox";
import { verifyDelivery } from "./signatures";

/** Largest body accepted; larger is 413 before anything is read or stored. */
export const MAX_WEBHOOK_BODY_BYTES = 1024 * 1024;
/** Headers that name a delivery, looked for in this order when the configuration names none. */
export const KNOWN_DELIVERY_ID_HEADERS = ["x-github-delivery", "x-request-uuid", "x-gitlab-event-uuid"] as const;
/** Longest delivery id kept for display (dedupe hashes the whole value). */
export const MAX_DELIVERY_ID_CHARS = 200;
/** Forwarded headers: at most this many, each value at most this long. */
export const MAX_FORWARDED_HEADERS = 100;
export const MAX_HEADER_VALUE_CHARS = 8 * 1024;
/**
 * Headers never forwarded to a runner: credentials a caller may have sent by mistake, and what
 * the platform and proxies add (they say nothing about the delivery and would only leak our edge).
 */
const DROPPED_HEADERS =
  /^(authorization|cookie|proxy-authorization|host|connection|content-length|transfer-encoding|forwarded|x-forwarded-.*|x-cloud-trace-context|traceparent|tracestate|x-appengine-.*|function-execution-id|x-original-url)$/;

export interface Delivery {
  teamId: string;
  pluginId: string;
  headers: Record<string, string | string[] | undefined>;
  rawBody: Buffer;
}

export interface Accepted {
  /** The stored delivery's id (what `…/redeliver` takes). */
  id: string;
  deliveryId: string | null;
  jobId: string;
  /** True when a delivery with this id was accepted before: its job is answered again. */
  duplicate: boolean;
}

/** The one answer for every refusal (unknown team or plugin, any signature problem). */
export function refused(): Unauthenticated {
  return new Unauthenticated("WEBHOOK_REFUSED", "The delivery could not be verified.");
}

/**
 * Verifies a delivery and queues it as a `webhook` job, once per delivery id. A refusal for a
 * configured plugin is recorded (reason, size, digest: never the body) so the team can see it;
 * one for an unknown team or plugin leaves no trace, and answers exactly the same.
 */
export async function receiveDelivery(delivery: Delivery, leaseMs: number, now: Date): Promise<Accepted> {
  const { teamId, pluginId, rawBody } = delivery;
  const [team, config] = await Promise.all([
    teams().doc(teamId).get(),
    webhookRef(teamId, pluginId)
      .get()
      .then((s) => s.data()),
  ]);
  if (!team.exists || config === undefined) throw refused();
  const secret = openSecret(masterKey(), teamId, pluginId, config.secret);
  if (secret === null) {
    // Our configuration, not the sender's mistake: the master key changed. Never log the secret.
    logger.error("webhook secret does not open (WEBHOOK_SECRET_KEY changed?)", { teamId, pluginId });
    throw new ApiError(503, "WEBHOOKS_NOT_CONFIGURED", "Webhooks are not configured on this deployment.");
  }
  const verdict = verifyDelivery(config, secret, headerValue(delivery.headers, config.header), rawBody, now);
  const deliveryId = deliveryIdOf(config, delivery.headers);
  const at = Timestamp.fromDate(now);
  const bodySha256 = createHash("sha256").update(rawBody).digest("hex");
  if (!verdict.ok) {
    await recordRefusal(teamId, pluginId, verdict.reason, deliveryId, rawBody.length, bodySha256, at);
    throw refused();
  }
  // Only a verified delivery counts: a flood of forgeries must not use up the sender's minute.
  // A retried delivery id counts again (it is another request), and is answered 429 alike.
  await takeRateSlot(QUOTAS.webhookDeliveries, `team:${teamId}`, "team", now);
  // Content-addressed, so a retry's put is a no-op and an unused blob is an orphan, never wrong.
  const body = await blobStore().put(rawBody, "application/octet-stream");
  const headers = forwardedHeaders(delivery.headers);
  const key = deliveryId === null ? null : dedupeKey(teamId, config, deliveryId);
  const ref = key === null ? deliveries(teamId, pluginId).doc() : deliveries(teamId, pluginId).doc(`d${key}`);
  const jobId = key === null ? jobs().doc().id : `w${key}`;
  // Concurrent twins: each read the record as absent, so all but one commit conflict, retry, and
  // find the winner's record; the job is created in the same commit as the record, so one job.
  return guardedDeliveryTransaction(teamId, async (tx): Promise<Accepted> => {
    const existing = (await tx.get(ref)).data();
    if (existing !== undefined && existing.jobId !== null)
      return { id: ref.id, deliveryId, jobId: existing.jobId, duplicate: true };
    await queueDelivery(tx, teamId, ref.id, jobId, {
      pluginId,
      deliveryId: displayed(deliveryId),
      body,
      headers,
      redeliveryOf: null,
      leaseMs,
      at,
      bodySha256,
    });
    return { id: ref.id, deliveryId: displayed(deliveryId), jobId, duplicate: false };
  });
}

/** A transaction that queues a delivery's job: one team's creates meet on its pending-jobs guard. */
export function guardedDeliveryTransaction<T>(teamId: string, run: (tx: Transaction) => Promise<T>): Promise<T> {
  return runGuardedTransaction(QUOTAS.pendingJobs, `team:${teamId}`, run);
}

export interface QueuedDelivery {
  pluginId: string;
  deliveryId: string | null;
  body: BlobRef;
  headers: Record<string, string>;
  redeliveryOf: string | null;
  leaseMs: number;
  at: Timestamp;
  bodySha256: string;
}

/**
 * Writes an accepted delivery's record and its job in `tx` (ingress and redelivery alike), after
 * the transaction's own reads, inside `guardedDeliveryTransaction`: the job counts against the
 * team's pending jobs like any other (429 `QUOTA_EXCEEDED`, nothing written).
 */
export async function queueDelivery(
  tx: Transaction,
  teamId: string,
  deliveryDocId: string,
  jobId: string,
  d: QueuedDelivery,
): Promise<DeliveryDoc> {
  await assertUnderQuota(tx, teamPendingJobs(teamId));
  const record: DeliveryDoc = {
    pluginId: d.pluginId,
    outcome: "accepted",
    reason: null,
    deliveryId: d.deliveryId,
    jobId,
    redeliveryOf: d.redeliveryOf,
    bodyBytes: d.body.size,
    bodySha256: d.bodySha256,
    body: d.body,
    headers: d.headers,
    receivedAt: d.at,
    expireAt: expireAtFrom(d.at),
  };
  tx.create(deliveries(teamId, d.pluginId).doc(deliveryDocId), record);
  const job = newJobDoc(
    jobId,
    {
      kind: "webhook",
      queue: queueOf(teamId),
      teamId,
      ownerUid: null,
      payload: { pluginId: d.pluginId, deliveryId: d.deliveryId, headers: d.headers, rawBody: d.body },
      leaseMs: d.leaseMs,
    },
    d.at.toDate(),
  );
  tx.create(jobs().doc(jobId), { ...job, ...genericFields() });
  return record;
}

async function recordRefusal(
  teamId: string,
  pluginId: string,
  reason: RefusalReason,
  deliveryId: string | null,
  bodyBytes: number,
  bodySha256: string,
  at: Timestamp,
): Promise<void> {
  const record: DeliveryDoc = {
    pluginId,
    outcome: "refused",
    reason,
    deliveryId: displayed(deliveryId),
    jobId: null,
    redeliveryOf: null,
    bodyBytes,
    bodySha256,
    body: null,
    headers: null,
    receivedAt: at,
    expireAt: expireAtFrom(at),
  };
  await deliveries(teamId, pluginId).add(record);
}

function headerValue(headers: Delivery["headers"], name: string): string | undefined {
  const value = headers[name];
  // A repeated signature header is ambiguous: refuse rather than pick one.
  return Array.isArray(value) ? undefined : value;
}

function deliveryIdOf(config: WebhookDoc, headers: Delivery["headers"]): string | null {
  const names = config.deliveryIdHeader === null ? KNOWN_DELIVERY_ID_HEADERS : [config.deliveryIdHeader];
  for (const name of names) {
    const value = headerValue(headers, name)?.trim();
    if (value !== undefined && value.length > 0) return value;
  }
  return null;
}

function displayed(deliveryId: string | null): string | null {
  return deliveryId === null ? null : deliveryId.slice(0, MAX_DELIVERY_ID_CHARS);
}

/**
 * Names the record and the job of one delivery. The team keeps two teams' ids apart (job ids are
 * global); the configuration's creation time keeps a re-created plugin from meeting the jobs of
 * its predecessor (its records went with it, its jobs did not). Hex, so the ids stay alphanumeric
 * (jobs-API ids must be: see createJob).
 */
function dedupeKey(teamId: string, config: WebhookDoc, deliveryId: string): string {
  const scope = `${teamId}\u0000${config.pluginId}\u0000${config.createdAt.toMillis()}`;
  return createHash("sha256").update(`${scope}\u0000${deliveryId}`, "utf8").digest("hex").slice(0, 40);
}

/** The delivery's own headers, lower-cased names, bounded in count and length. */
export function forwardedHeaders(headers: Delivery["headers"]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (Object.keys(out).length >= MAX_FORWARDED_HEADERS) break;
    if (value === undefined || DROPPED_HEADERS.test(name.toLowerCase())) continue;
    out[name.toLowerCase()] = (Array.isArray(value) ? value.join(", ") : value).slice(0, MAX_HEADER_VALUE_CHARS);
  }
  return out;
}
