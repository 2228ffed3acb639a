import { Timestamp } from "firebase-admin/firestore";
import { db } from "../../data/firestore";
import { webhookRef, webhooks, type WebhookAlgorithm, type WebhookDoc, type WebhookFormat } from "../../data/webhooks";
import { assert, Conflict, InvalidArgument, NotFound } from "../../http/errors";
import type { Owner } from "../teams/owner";
import { masterKey, newWebhookSecret, sealSecret } from "./secretBox";

/** Plugins configured per team; the list answers them all. */
export const MAX_WEBHOOKS_PER_TEAM = 100;

export interface WebhookSettings {
  algorithm: WebhookAlgorithm;
  format: WebhookFormat;
  header: string;
  deliveryIdHeader: string | null;
}

/** What people see of a configuration: never the secret. */
export function webhookView(teamId: string, doc: WebhookDoc) {
  return {
    pluginId: doc.pluginId,
    url: `/webhook/${teamId}/${doc.pluginId}`,
    algorithm: doc.algorithm,
    format: doc.format,
    header: doc.header,
    deliveryIdHeader: doc.deliveryIdHeader,
    secretCreatedAt: doc.secretCreatedAt.toDate().toISOString(),
    createdBy: doc.createdBy,
    createdAt: doc.createdAt.toDate().toISOString(),
    updatedAt: doc.updatedAt.toDate().toISOString(),
  };
}
export type WebhookView = ReturnType<typeof webhookView>;

/** A plain shared token is compared as a token, an HMAC never is: the pair must agree. */
function assertCoherent(settings: WebhookSettings): void {
  assert(
    (settings.algorithm === "token") === (settings.format === "token"),
    new InvalidArgument(
      "INVALID_WEBHOOK_SCHEME",
      'algorithm "token" goes with format "token", and only with it (GitLab-style shared tokens).',
    ),
  );
}

/** Configures `pluginId`'s webhook and mints its secret, shown in this answer only. */
export async function createWebhook(owner: Owner, pluginId: string, settings: WebhookSettings, now: Date) {
  assertCoherent(settings);
  const key = masterKey();
  const secret = newWebhookSecret();
  const at = Timestamp.fromDate(now);
  const doc: WebhookDoc = {
    pluginId,
    ...settings,
    secret: sealSecret(key, owner.teamId, pluginId, secret),
    secretCreatedAt: at,
    createdBy: owner.uid,
    createdAt: at,
    updatedAt: at,
  };
  await db().runTransaction(async (tx) => {
    const existing = await tx.get(webhookRef(owner.teamId, pluginId));
    assert(!existing.exists, new Conflict("WEBHOOK_EXISTS", "This plugin already has a webhook; update it instead."));
    const count = (await tx.get(webhooks(owner.teamId).select().limit(MAX_WEBHOOKS_PER_TEAM))).size;
    assert(
      count < MAX_WEBHOOKS_PER_TEAM,
      new Conflict("TOO_MANY_WEBHOOKS", `A team may configure at most ${MAX_WEBHOOKS_PER_TEAM} webhooks.`),
    );
    tx.create(existing.ref, doc);
  });
  return { ...webhookView(owner.teamId, doc), secret };
}

export async function listWebhooks(teamId: string): Promise<WebhookView[]> {
  const snap = await webhooks(teamId).orderBy("pluginId").limit(MAX_WEBHOOKS_PER_TEAM).get();
  return snap.docs.map((d) => webhookView(teamId, d.data()));
}

export async function readWebhook(teamId: string, pluginId: string): Promise<WebhookDoc> {
  const doc = (await webhookRef(teamId, pluginId).get()).data();
  assert(doc !== undefined, notFound());
  return doc;
}

/** Changes the scheme and/or mints a new secret (returned this once; the old one stops at once). */
export async function updateWebhook(
  teamId: string,
  pluginId: string,
  changes: Partial<WebhookSettings> & { rotateSecret?: boolean },
  now: Date,
) {
  const { rotateSecret, ...settings } = changes;
  const key = rotateSecret === true ? masterKey() : null;
  const secret = key === null ? null : newWebhookSecret();
  const at = Timestamp.fromDate(now);
  const updated = await db().runTransaction(async (tx) => {
    const ref = webhookRef(teamId, pluginId);
    const current = (await tx.get(ref)).data();
    assert(current !== undefined, notFound());
    const next: WebhookDoc = { ...current, ...settings, updatedAt: at };
    assertCoherent(next);
    if (key !== null && secret !== null) {
      next.secret = sealSecret(key, teamId, pluginId, secret);
      next.secretCreatedAt = at;
    }
    tx.set(ref, next);
    return next;
  });
  return secret === null ? webhookView(teamId, updated) : { ...webhookView(teamId, updated), secret };
}

/** Removes the configuration and its delivery records; deliveries to it are refused from now on. */
export async function deleteWebhook(teamId: string, pluginId: string): Promise<void> {
  const ref = webhookRef(teamId, pluginId);
  assert((await ref.get()).exists, notFound());
  await db().recursiveDelete(ref);
}

function notFound(): NotFound {
  return new NotFound("WEBHOOK_NOT_FOUND", "No webhook is configured for this plugin.");
}
