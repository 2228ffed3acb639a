import { z } from "zod";
import { intParam, JOB_LEASE_MS } from "../../config/params";
import { DEFAULT_JOB_LEASE_MS } from "../../core/jobsApi/model";
import { ownerFor } from "../../core/teams/owner";
import { listDeliveries, redeliver } from "../../core/webhooks/deliveries";
import {
  createWebhook as create,
  deleteWebhook as remove,
  listWebhooks as list,
  readWebhook,
  updateWebhook as update,
  webhookView,
} from "../../core/webhooks/manageWebhooks";
import { MAX_WEBHOOK_BODY_BYTES, receiveDelivery, refused } from "../../core/webhooks/receiveDelivery";
import { endpoint } from "../../http/route";
import { idSchema } from "../../http/schemas";
import { TEAM_ADMIN, TEAM_MEMBER } from "./auth";
import {
  deliveryParams,
  PLUGIN_ID_PATTERN,
  teamParams,
  webhookCreateBody,
  webhookParams,
  webhookUpdateBody,
} from "./schemas";

/**
 * `POST /webhook/:teamId/:pluginId` (seed 002): a provider's delivery, any body up to 1 MiB. Its
 * authentication is its signature: 202 `{ id, deliveryId, jobId, duplicate: false }` for a new
 * verified delivery, 200 with `duplicate: true` and the same job for a delivery id seen before;
 * 401 `WEBHOOK_REFUSED` for everything else (unknown team or plugin, any signature problem).
 */
export const receiveWebhook = endpoint({
  face: "jobs",
  method: "POST",
  path: "/webhook/:teamId/:pluginId",
  auth: { public: true, signed: true },
  rawBody: true,
  maxBodyBytes: MAX_WEBHOOK_BODY_BYTES,
  // Any strings: the ids are checked below, where a bad one is refused like an unknown one.
  params: z.object({ teamId: z.string(), pluginId: z.string() }),
  handler: async ({ req, params: { teamId, pluginId }, now }) => {
    // A malformed id is an unknown team or plugin: the same 401, not a 400 that tells them apart.
    if (!idSchema.safeParse(teamId).success || !PLUGIN_ID_PATTERN.test(pluginId)) throw refused();
    const accepted = await receiveDelivery(
      { teamId, pluginId, headers: req.headers, rawBody: req.rawBody ?? Buffer.alloc(0) },
      intParam(JOB_LEASE_MS, DEFAULT_JOB_LEASE_MS),
      now,
    );
    return { status: accepted.duplicate ? 200 : 202, body: accepted };
  },
});

/**
 * `POST /teams/:teamId/webhooks` (admin) `{ pluginId, algorithm, format, header, deliveryIdHeader? }`
 * → 201 the configuration with `secret`, shown this once.
 */
export const createWebhook = endpoint({
  face: "jobs",
  method: "POST",
  path: "/teams/:teamId/webhooks",
  auth: TEAM_ADMIN,
  params: teamParams,
  body: webhookCreateBody,
  handler: async ({ principal, body, now }) => {
    const { pluginId, deliveryIdHeader, ...scheme } = body;
    return {
      status: 201,
      body: await create(ownerFor(principal), pluginId, { ...scheme, deliveryIdHeader: deliveryIdHeader ?? null }, now),
    };
  },
});

/** `GET /teams/:teamId/webhooks` (viewer) → `{ webhooks }`, no secrets. */
export const listWebhooks = endpoint({
  face: "jobs",
  method: "GET",
  path: "/teams/:teamId/webhooks",
  auth: TEAM_MEMBER,
  params: teamParams,
  handler: async ({ principal }) => ({ body: { webhooks: await list(principal.teamId) } }),
});

/** `GET /teams/:teamId/webhooks/:pluginId` (viewer) → the configuration, no secret. */
export const getWebhook = endpoint({
  face: "jobs",
  method: "GET",
  path: "/teams/:teamId/webhooks/:pluginId",
  auth: TEAM_MEMBER,
  params: webhookParams,
  handler: async ({ principal, params }) => ({
    body: webhookView(principal.teamId, await readWebhook(principal.teamId, params.pluginId)),
  }),
});

/**
 * `PATCH /teams/:teamId/webhooks/:pluginId` (admin) `{ algorithm?, format?, header?,
 * deliveryIdHeader?, rotateSecret? }` → the configuration; with `rotateSecret`, the new `secret` once.
 */
export const updateWebhook = endpoint({
  face: "jobs",
  method: "PATCH",
  path: "/teams/:teamId/webhooks/:pluginId",
  auth: TEAM_ADMIN,
  params: webhookParams,
  body: webhookUpdateBody,
  handler: async ({ principal, params, body, now }) => ({
    body: await update(principal.teamId, params.pluginId, body, now),
  }),
});

/** `DELETE /teams/:teamId/webhooks/:pluginId` (admin) → `{ ok: true }`; its deliveries are refused from now on. */
export const deleteWebhook = endpoint({
  face: "jobs",
  method: "DELETE",
  path: "/teams/:teamId/webhooks/:pluginId",
  auth: TEAM_ADMIN,
  params: webhookParams,
  handler: async ({ principal, params }) => {
    await remove(principal.teamId, params.pluginId);
    return { body: { ok: true } };
  },
});

/** `GET /teams/:teamId/webhooks/:pluginId/deliveries` (viewer) → `{ deliveries }`, newest first. */
export const listWebhookDeliveries = endpoint({
  face: "jobs",
  method: "GET",
  path: "/teams/:teamId/webhooks/:pluginId/deliveries",
  auth: TEAM_MEMBER,
  params: webhookParams,
  handler: async ({ principal, params }) => ({
    body: { deliveries: await listDeliveries(principal.teamId, params.pluginId) },
  }),
});

/** `POST /teams/:teamId/webhooks/:pluginId/deliveries/:deliveryId/redeliver` (member) → 201 the new delivery (new job). */
export const redeliverWebhook = endpoint({
  face: "jobs",
  method: "POST",
  path: "/teams/:teamId/webhooks/:pluginId/deliveries/:deliveryId/redeliver",
  auth: TEAM_MEMBER,
  params: deliveryParams,
  handler: async ({ principal, params, now }) => ({
    status: 201,
    body: await redeliver(
      principal.teamId,
      params.pluginId,
      params.deliveryId,
      intParam(JOB_LEASE_MS, DEFAULT_JOB_LEASE_MS),
      now,
    ),
  }),
});
