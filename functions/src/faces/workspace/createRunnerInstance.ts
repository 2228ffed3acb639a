import { z } from "zod";
import { createCredential } from "../../core/credentials/createCredential";
import { assert, PermissionDenied } from "../../http/errors";
import { endpoint } from "../../http/route";
import { nameSchema } from "../../http/schemas";
import { TEAM_ADMIN } from "./auth";

/** `POST /createRunnerInstance` → 201 `{ instanceId, credentialId, runnerToken, kind, name }`. */
export const createRunnerInstance = endpoint({
  face: "workspace",
  method: "POST",
  path: "/createRunnerInstance",
  auth: TEAM_ADMIN,
  body: z.object({ kind: z.enum(["user", "global"]), name: nameSchema.optional() }).strict(),
  handler: async ({ principal, body, now }) => {
    assert(
      body.kind === "user" || (await principal.isAdmin()),
      new PermissionDenied("ADMIN_REQUIRED", "Global runner instances need an admin."),
    );
    const name = body.name ?? `${body.kind} runner`;
    const created = await createCredential(
      { kind: "runner", pool: body.kind, name, ownerUid: principal.uid, teamId: principal.teamId },
      now,
    );
    return {
      status: 201,
      body: {
        instanceId: created.instanceId,
        credentialId: created.credentialId,
        runnerToken: created.token,
        kind: body.kind,
        name,
      },
    };
  },
});
