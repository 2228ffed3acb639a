import { z } from "zod";
import { MAX_SUMMARY_CHARS, updateRunnerSummary } from "../../core/workspaces/updateRunnerSummary";
import { endpoint } from "../../http/route";
import { idSchema } from "../../http/schemas";
import { RUNNER_KEY } from "./auth";
import { workspaceRef } from "./schemas";

/** The summary body; exported for the reference runner's client. */
export const summaryBody = workspaceRef.extend({
  summaryText: z.string().trim().min(1).max(MAX_SUMMARY_CHARS),
  fromMessageId: idSchema,
  throughMessageId: idSchema,
});

/** `POST /updateWorkspaceRunnerSummary` → `{ ok: true }`; 409 without the lease. */
export const updateWorkspaceRunnerSummary = endpoint({
  face: "workspace",
  method: "POST",
  path: "/updateWorkspaceRunnerSummary",
  auth: RUNNER_KEY,
  maxBodyBytes: 256 * 1024,
  body: summaryBody,
  handler: async ({ principal, body, now }) => {
    await updateRunnerSummary(principal, body.workspaceId, body, now);
    return { body: { ok: true } };
  },
});
