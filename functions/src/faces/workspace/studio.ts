import { z } from "zod";
import { createWorkspace as create } from "../../core/workspaces/createWorkspace";
import { postMessage } from "../../core/workspaces/postMessage";
import { queueGeneration } from "../../core/workspaces/queueGeneration";
import { listWorkspaces as list, readDeliverableFile, readWorkspace } from "../../core/workspaces/readWorkspace";
import { blobStore } from "../../core/blobs/blobStore";
import { sendAttachment } from "../../http/attachment";
import { NotFound } from "../../http/errors";
import { ownerFor } from "../../core/teams/owner";
import { ALREADY_SENT, endpoint } from "../../http/route";
import { idSchema } from "../../http/schemas";
import { STUDIO_USER } from "./auth";

/** Longest workspace title, idea and user message. */
export const MAX_TITLE_CHARS = 200;
export const MAX_IDEA_CHARS = 20_000;
export const MAX_MESSAGE_CHARS = 50_000;

const workspaceParams = z.object({ workspaceId: idSchema });

/** `POST /api/workspaces` `{ title, idea? }` → 201 `{ workspace }`. */
export const createWorkspace = endpoint({
  face: "workspace",
  method: "POST",
  path: "/api/workspaces",
  auth: STUDIO_USER,
  body: z
    .object({
      title: z.string().trim().min(1).max(MAX_TITLE_CHARS),
      idea: z.string().trim().min(1).max(MAX_IDEA_CHARS).optional(),
    })
    .strict(),
  handler: async ({ principal, body, now }) => {
    const { id } = await create(ownerFor(principal), body, now);
    return { status: 201, body: await readWorkspace(principal.teamId, id) };
  },
});

/** `GET /api/workspaces` → `{ workspaces }`, newest activity first. */
export const listWorkspaces = endpoint({
  face: "workspace",
  method: "GET",
  path: "/api/workspaces",
  auth: STUDIO_USER,
  handler: async ({ principal }) => ({ body: { workspaces: await list(principal.teamId) } }),
});

/** `GET /api/workspaces/:workspaceId` → `{ workspace, messages, job }`. */
export const getWorkspace = endpoint({
  face: "workspace",
  method: "GET",
  path: "/api/workspaces/:workspaceId",
  auth: STUDIO_USER,
  params: workspaceParams,
  handler: async ({ principal, params }) => ({ body: await readWorkspace(principal.teamId, params.workspaceId) }),
});

/** `POST /api/workspaces/:workspaceId/messages` `{ text, subtitle? }` → 201 `{ message }`. */
export const postWorkspaceMessage = endpoint({
  face: "workspace",
  method: "POST",
  path: "/api/workspaces/:workspaceId/messages",
  auth: STUDIO_USER,
  params: workspaceParams,
  body: z
    .object({
      text: z.string().trim().min(1).max(MAX_MESSAGE_CHARS),
      subtitle: z.string().trim().min(1).max(MAX_TITLE_CHARS).optional(),
    })
    .strict(),
  handler: async ({ principal, params, body, now }) => {
    const message = await postMessage(principal.teamId, params.workspaceId, body, now);
    return { status: 201, body: { message: { ...message, createdAt: message.createdAt.toDate().toISOString() } } };
  },
});

/** `POST /api/workspaces/:workspaceId/generate` `{ target }` → 201 `{ jobId, status, target }`; 409 if one is active. */
export const queueWorkspaceGeneration = endpoint({
  face: "workspace",
  method: "POST",
  path: "/api/workspaces/:workspaceId/generate",
  auth: STUDIO_USER,
  params: workspaceParams,
  body: z.object({ target: z.enum(["user", "global"]) }).strict(),
  handler: async ({ principal, params, body, now }) => ({
    status: 201,
    body: await queueGeneration(principal.teamId, params.workspaceId, body.target, now),
  }),
});

/** `GET /api/workspaces/:workspaceId/files/:deliverableId` → the file's bytes, as an unsniffed, sandboxed attachment. */
export const downloadWorkspaceFile = endpoint({
  face: "workspace",
  method: "GET",
  path: "/api/workspaces/:workspaceId/files/:deliverableId",
  auth: STUDIO_USER,
  params: workspaceParams.extend({ deliverableId: idSchema }),
  handler: async ({ principal, params, res }) => {
    const file = await readDeliverableFile(principal.teamId, params.workspaceId, params.deliverableId);
    const bytes = file === null ? null : await blobStore().get(file.blob);
    if (file === null || bytes === null) throw new NotFound("FILE_NOT_FOUND", "No such file.");
    sendAttachment(res, {
      bytes,
      contentType: file.blob.contentType,
      fileName: file.name.split("/").pop() ?? "file",
      etag: file.blob.sha256,
    });
    return ALREADY_SENT;
  },
});
