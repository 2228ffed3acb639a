import { Timestamp } from "firebase-admin/firestore";
import { jobs } from "../../data/jobs";
import { deliveries, type DeliveryDoc } from "../../data/webhooks";
import { assert, Conflict, NotFound } from "../../http/errors";
import { guardedDeliveryTransaction, queueDelivery } from "./receiveDelivery";
import { readWebhook } from "./manageWebhooks";

/** The deliveries list answers the most recent ones only. */
export const MAX_LISTED_DELIVERIES = 50;

export function deliveryView(id: string, doc: DeliveryDoc) {
  return {
    id,
    pluginId: doc.pluginId,
    outcome: doc.outcome,
    verified: doc.outcome === "accepted",
    reason: doc.reason,
    deliveryId: doc.deliveryId,
    jobId: doc.jobId,
    redeliveryOf: doc.redeliveryOf,
    bodyBytes: doc.bodyBytes,
    bodySha256: doc.bodySha256,
    receivedAt: doc.receivedAt.toDate().toISOString(),
  };
}

/** Recent deliveries to one plugin, newest first: accepted (with their job) and refused (with why). */
export async function listDeliveries(teamId: string, pluginId: string) {
  await readWebhook(teamId, pluginId);
  const snap = await deliveries(teamId, pluginId).orderBy("receivedAt", "desc").limit(MAX_LISTED_DELIVERIES).get();
  return snap.docs.map((d) => deliveryView(d.id, d.data()));
}

/** Queues an accepted delivery again: a new record and a new job with the same headers and body. */
export async function redeliver(teamId: string, pluginId: string, deliveryDocId: string, leaseMs: number, now: Date) {
  await readWebhook(teamId, pluginId);
  const original = (await deliveries(teamId, pluginId).doc(deliveryDocId).get()).data();
  assert(original !== undefined, new NotFound("DELIVERY_NOT_FOUND", "No such delivery."));
  const { body, headers } = original;
  assert(
    original.outcome === "accepted" && body !== null && headers !== null,
    new Conflict("DELIVERY_REFUSED", "Only a verified delivery can be redelivered; a refused one was never stored."),
  );
  const ref = deliveries(teamId, pluginId).doc();
  const jobId = jobs().doc().id;
  const at = Timestamp.fromDate(now);
  // Record and job commit together (the same writer as the ingress); nothing to read first.
  const record = await guardedDeliveryTransaction(teamId, (tx) =>
    queueDelivery(tx, teamId, ref.id, jobId, {
      pluginId,
      deliveryId: original.deliveryId,
      body,
      headers,
      redeliveryOf: deliveryDocId,
      leaseMs,
      at,
      bodySha256: original.bodySha256,
    }),
  );
  return deliveryView(ref.id, record);
}
