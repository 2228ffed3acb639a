/**
 * Seed 002's intelligence editing: `GET|PUT|DELETE /intelligence/file?layer=&path=`,
 * `GET /intelligence/history`, `GET /intelligence/layers`, `POST /intelligence/preflight`.
 * People read (viewer) and edit (member); runners read with their key (`runners:write`), since
 * agents read these files.
 */
import { z } from "zod";
import {
  MAX_INTELLIGENCE_FILE_BYTES,
  MAX_PATCH_CHARS,
  MAX_PREFLIGHT_EDITS,
} from "../../../../contract/src/intelligence";
import { deleteFile, listLayers, putFile, readFile, readHistory, targetOf } from "../../core/intelligence/files";
import { preflight } from "../../core/intelligence/preflight";
import { endpoint } from "../../http/route";
import { etagOf, parseIfMatch } from "../../http/preconditions";
import { wholeNumber } from "../../http/schemas";

/** Signed-in users of the team, and its runners' keys (agents read intelligence). */
export const TEAM_RUNNER_READ = { accept: ["user", "apiKey"], scope: "runners:write", apiKeyHeader: true } as const;
/** People only: what they change is recorded under their uid. */
const PEOPLE = { accept: ["user"] } as const;

/** JSON escapes can grow text up to 6×; the file cap itself is checked on the decoded content. */
const MAX_FILE_BODY_BYTES = 2 * 1024 * 1024;
const MAX_PREFLIGHT_BODY_BYTES = 4 * 1024 * 1024;

/** Layer and path travel in the query; their rules are checked by `targetOf` (400 INVALID_LAYER / INVALID_PATH). */
const fileQuery = z.object({ layer: z.string().max(300).optional(), path: z.string().max(1_000) });
const ifMatchHeaders = z.object({ "if-match": z.string().max(1_000).optional() });

export const getIntelligenceFile = endpoint({
  face: "jobs",
  method: "GET",
  path: "/intelligence/file",
  auth: TEAM_RUNNER_READ,
  query: fileQuery.extend({ version: wholeNumber(1, 999_999_999).optional() }),
  handler: async ({ principal, query }) => {
    const file = await readFile(principal.teamId, targetOf(query.layer, query.path), query.version);
    return { body: file, headers: query.version === undefined ? { ETag: etagOf(file.version) } : undefined };
  },
});

/** `PUT /intelligence/file?layer=&path=` `{ content }` → 201 created / 200 `{ layer, path, version, … }`; `If-Match` → 412 when stale. */
export const putIntelligenceFile = endpoint({
  face: "jobs",
  method: "PUT",
  path: "/intelligence/file",
  auth: PEOPLE,
  maxBodyBytes: MAX_FILE_BODY_BYTES,
  query: fileQuery,
  headers: ifMatchHeaders,
  body: z.object({ content: z.string() }).strict(),
  handler: async ({ principal, query, headers, body, now }) => {
    const target = targetOf(query.layer, query.path);
    const ifMatch = parseIfMatch(headers["if-match"]);
    const { file, created } = await putFile(principal.teamId, target, body.content, ifMatch, principal.uid, now);
    return { status: created ? 201 : 200, body: file, headers: { ETag: etagOf(file.version) } };
  },
});

export const deleteIntelligenceFile = endpoint({
  face: "jobs",
  method: "DELETE",
  path: "/intelligence/file",
  auth: PEOPLE,
  query: fileQuery,
  headers: ifMatchHeaders,
  handler: async ({ principal, query, headers, now }) => ({
    body: await deleteFile(
      principal.teamId,
      targetOf(query.layer, query.path),
      parseIfMatch(headers["if-match"]),
      principal.uid,
      now,
    ),
  }),
});

/** `GET /intelligence/history?layer=&path=` → `{ layer, path, deleted, versions: [...] }`, newest first. */
export const getIntelligenceHistory = endpoint({
  face: "jobs",
  method: "GET",
  path: "/intelligence/history",
  auth: TEAM_RUNNER_READ,
  query: fileQuery,
  handler: async ({ principal, query }) => ({
    body: await readHistory(principal.teamId, targetOf(query.layer, query.path)),
  }),
});

/** `GET /intelligence/layers` → `{ layers: [{ layer, kind, files: [...] }], truncated }`. */
export const getIntelligenceLayers = endpoint({
  face: "jobs",
  method: "GET",
  path: "/intelligence/layers",
  auth: TEAM_RUNNER_READ,
  handler: async ({ principal }) => ({ body: await listLayers(principal.teamId) }),
});

/**
 * An edit as preflight takes it: names are plain strings here, so a bad path is reported as a
 * problem of that edit rather than refusing the whole set.
 */
const preflightEdit = z
  .object({
    layer: z.string().max(300).optional(),
    path: z.string().max(1_000),
    content: z
      .string()
      .max(MAX_INTELLIGENCE_FILE_BYTES * 2)
      .optional(),
    patch: z.string().max(MAX_PATCH_CHARS).optional(),
    delete: z.boolean().optional(),
    baseVersion: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
  })
  .strict();

/** `POST /intelligence/preflight` `{ edits: [...] }` → `{ ok, edits: [{ layer, path, ok, problems, … }] }`; saves nothing. */
export const preflightIntelligence = endpoint({
  face: "jobs",
  method: "POST",
  path: "/intelligence/preflight",
  auth: { ...TEAM_RUNNER_READ, role: "viewer" },
  maxBodyBytes: MAX_PREFLIGHT_BODY_BYTES,
  body: z.object({ edits: z.array(preflightEdit).min(1).max(MAX_PREFLIGHT_EDITS) }).strict(),
  handler: async ({ principal, body }) => ({ body: await preflight(principal.teamId, body.edits) }),
});
