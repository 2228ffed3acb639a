import { z } from "zod";
import { findManagedInstance, revokeCredential } from "../../core/credentials/manageCredential";
import { endpoint } from "../../http/route";
import { idSchema } from "../../http/schemas";
import { TEAM_ADMIN } from "./auth";

/** `POST /revokeRunnerInstance` `{ instanceId }` → `{ ok: true }`; the key fails on its next call. */
export const revokeRunnerInstance = endpoint({
  face: "workspace",
  method: "POST",
  path: "/revokeRunnerInstance",
  auth: TEAM_ADMIN,
  body: z.object({ instanceId: idSchema }).strict(),
  handler: async ({ principal, body, now }) => {
    const { snap } = await findManagedInstance(principal, body.instanceId);
    await revokeCredential(snap, now);
    return { body: { ok: true } };
  },
});
