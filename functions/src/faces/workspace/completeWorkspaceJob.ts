import { z } from "zod";
import { CAPS } from "../../core/workspaces/deliverables";
import { completeWorkspaceJob as complete } from "../../core/workspaces/completeWorkspaceJob";
import { endpoint } from "../../http/route";
import { RUNNER_KEY } from "./auth";
import { endingRef } from "./schemas";

/** Largest completion body: every slice at its cap fits with room to spare. */
export const MAX_COMPLETION_BYTES = 8 * 1024 * 1024;

const slice = z.array(z.unknown()).optional().default([]);

/** The completion body (slices are checked in the core); exported for the reference runner's client. */
export const completionBody = endingRef.extend({
  assistantMessage: z.string().max(CAPS.assistantMessageChars),
  files: slice,
  charts: slice,
  datasets: slice,
  lists: slice,
  checklists: slice,
  svgs: slice,
});

/** `POST /completeWorkspaceJob` → `{ ok: true, messageId }`; 400 naming a bad slice; 409 without the lease (or for another `jobId`). */
export const completeWorkspaceJob = endpoint({
  face: "workspace",
  method: "POST",
  path: "/completeWorkspaceJob",
  auth: RUNNER_KEY,
  maxBodyBytes: MAX_COMPLETION_BYTES,
  body: completionBody,
  handler: async ({ principal, body, now }) => {
    const { messageId, duplicate } = await complete(principal, body, now);
    return { body: { ok: true, messageId, ...(duplicate ? { duplicate: true } : {}) } };
  },
});
