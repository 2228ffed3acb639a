import { z } from "zod";
import { failWorkspaceJob as fail } from "../../core/workspaces/failWorkspaceJob";
import { endpoint } from "../../http/route";
import { RUNNER_KEY } from "./auth";
import { endingRef } from "./schemas";

/** Longest stored failure reason. */
export const MAX_ERROR_CHARS = 2_000;

/** The failure body; exported for the reference runner's client. */
export const failBody = endingRef.extend({ error: z.string().trim().min(1).max(MAX_ERROR_CHARS) });

/** `POST /failWorkspaceJob` `{ workspaceId, error, jobId? }` → `{ ok: true }` (again on a repeat); 409 without the lease. */
export const failWorkspaceJob = endpoint({
  face: "workspace",
  method: "POST",
  path: "/failWorkspaceJob",
  auth: RUNNER_KEY,
  body: failBody,
  handler: async ({ principal, body, now }) => {
    await fail(principal, body.workspaceId, body.error, now, body.jobId);
    return { body: { ok: true } };
  },
});
