import { z } from "zod";
import { findManagedInstance, renameCredential } from "../../core/credentials/manageCredential";
import { endpoint } from "../../http/route";
import { idSchema, nameSchema } from "../../http/schemas";
import { TEAM_ADMIN } from "./auth";

/** `POST /updateRunnerInstance` `{ instanceId, name }` → `{ ok: true, name }`. */
export const updateRunnerInstance = endpoint({
  face: "workspace",
  method: "POST",
  path: "/updateRunnerInstance",
  auth: TEAM_ADMIN,
  body: z.object({ instanceId: idSchema, name: nameSchema }).strict(),
  handler: async ({ principal, body }) => {
    const { snap } = await findManagedInstance(principal, body.instanceId);
    await renameCredential(snap, body.name);
    return { body: { ok: true, name: body.name } };
  },
});
