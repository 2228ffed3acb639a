/**
 * A team's intelligence files: markdown agents read, in layers (`tenant`, `repo:<slug>`). Every
 * write and delete is a new version of the file, kept in its history; a write based on a stale
 * read (`If-Match`) is refused. Direct edits and approved proposals go through `commitWrite`, so
 * both leave the same history.
 */
import { createHash } from "node:crypto";
import { Timestamp, type DocumentReference, type Transaction } from "firebase-admin/firestore";
import {
  layerProblem,
  MAX_INTELLIGENCE_FILE_BYTES,
  pathProblem,
  TENANT_LAYER,
  utf8Bytes,
} from "../../../../contract/src/intelligence";
import { db } from "../../data/firestore";
import {
  intelligenceFileRef,
  intelligenceVersions,
  liveIntelligenceFiles,
  versionHistory,
  versionId,
  type IntelligenceFileDoc,
  type IntelligenceVersionDoc,
} from "../../data/intelligence";
import { ApiError, assert, InvalidArgument, NotFound, PreconditionFailed } from "../../http/errors";
import { ifMatchHolds } from "../../http/preconditions";

/** Most files `GET /intelligence/layers` lists (the answer says when there are more). */
export const MAX_LISTED_FILES = 1_000;
/** Most versions `GET /intelligence/history` answers, newest first. */
export const MAX_HISTORY = 100;

export interface FileTarget {
  layer: string;
  path: string;
}

export type IfMatch = undefined | "any" | number[];

/** Layer and path checked against the rules (400 INVALID_LAYER / INVALID_PATH otherwise). */
export function targetOf(layer: string | undefined, path: string): FileTarget {
  const named = layer ?? TENANT_LAYER;
  const badLayer = layerProblem(named);
  assert(badLayer === null, new InvalidArgument("INVALID_LAYER", `The layer is not valid: ${badLayer ?? ""}.`));
  const badPath = pathProblem(path);
  assert(badPath === null, new InvalidArgument("INVALID_PATH", `The path is not valid: ${badPath ?? ""}.`));
  return { layer: named, path };
}

export function sha256Hex(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

export function fileTooLarge(size: number): ApiError {
  return new ApiError(
    413,
    "FILE_TOO_LARGE",
    `An intelligence file holds at most ${MAX_INTELLIGENCE_FILE_BYTES} bytes (UTF-8); this one has ${size}.`,
    { limitBytes: MAX_INTELLIGENCE_FILE_BYTES, size },
  );
}

const iso = (at: Timestamp) => at.toDate().toISOString();

export function fileView(doc: IntelligenceFileDoc, withContent: boolean) {
  return {
    layer: doc.layer,
    path: doc.path,
    version: doc.version,
    sha256: doc.sha256,
    size: doc.size,
    updatedAt: iso(doc.updatedAt),
    updatedBy: doc.updatedBy,
    ...(withContent ? { content: doc.content } : {}),
  };
}
export type FileView = ReturnType<typeof fileView>;

/** The version a caller can see: the file's, or 0 when it does not exist (never, or deleted). */
export function visibleVersion(doc: IntelligenceFileDoc | undefined): number {
  return doc === undefined || doc.deleted ? 0 : doc.version;
}

/**
 * Writes `content` (or deletes, for null) as the file's next version, inside `tx` after its
 * reads. Writing what the file already holds is not a new version. Returns the file as it is.
 */
export function commitWrite(
  tx: Transaction,
  ref: DocumentReference<IntelligenceFileDoc>,
  target: FileTarget,
  current: IntelligenceFileDoc | undefined,
  content: string | null,
  by: string,
  proposalId: string | null,
  now: Date,
): IntelligenceFileDoc {
  const sha256 = sha256Hex(content ?? "");
  const exists = current !== undefined && !current.deleted;
  if (content !== null && exists && current.sha256 === sha256) return current;
  const at = Timestamp.fromDate(now);
  const version = (current?.version ?? 0) + 1;
  const size = utf8Bytes(content ?? "");
  const doc: IntelligenceFileDoc = {
    layer: target.layer,
    path: target.path,
    content: content ?? "",
    version,
    deleted: content === null,
    sha256,
    size,
    updatedBy: by,
    updatedAt: at,
  };
  const history: IntelligenceVersionDoc = {
    version,
    op: content === null ? "delete" : "put",
    content: content ?? "",
    sha256,
    size,
    by,
    proposalId,
    at,
  };
  tx.set(ref, doc);
  // `create`: a version id is written once; two writers that both read version n conflict here too.
  tx.create(intelligenceVersions(ref).doc(versionId(version)), history);
  return doc;
}

function assertIfMatch(condition: IfMatch, current: IntelligenceFileDoc | undefined): void {
  const version = visibleVersion(current);
  assert(
    ifMatchHolds(condition, version),
    new PreconditionFailed(
      version === 0
        ? "If-Match names a version, but the file does not exist (any more)."
        : `The file is at version ${version}; read it again and reapply your change.`,
      { currentVersion: version },
    ),
  );
}

/** `GET /intelligence/file`: the current file, or one version of its history. */
export async function readFile(teamId: string, target: FileTarget, version?: number): Promise<FileView> {
  const ref = intelligenceFileRef(teamId, target.layer, target.path);
  if (version === undefined) {
    const doc = (await ref.get()).data();
    assert(doc !== undefined && !doc.deleted, new NotFound("FILE_NOT_FOUND", "No such intelligence file."));
    return fileView(doc, true);
  }
  const old = (await intelligenceVersions(ref).doc(versionId(version)).get()).data();
  assert(old !== undefined && old.op === "put", new NotFound("VERSION_NOT_FOUND", "The file has no such version."));
  return {
    layer: target.layer,
    path: target.path,
    version: old.version,
    sha256: old.sha256,
    size: old.size,
    updatedAt: iso(old.at),
    updatedBy: old.by,
    content: old.content,
  };
}

/** `GET /intelligence/history`: every version of a file, newest first (deleted files too). */
export async function readHistory(teamId: string, target: FileTarget) {
  const ref = intelligenceFileRef(teamId, target.layer, target.path);
  const [doc, history] = await Promise.all([ref.get(), versionHistory(ref, MAX_HISTORY).get()]);
  assert(doc.exists, new NotFound("FILE_NOT_FOUND", "No such intelligence file."));
  return {
    layer: target.layer,
    path: target.path,
    deleted: doc.data()?.deleted ?? false,
    versions: history.docs.map((d) => {
      const v = d.data();
      return {
        version: v.version,
        op: v.op,
        sha256: v.sha256,
        size: v.size,
        by: v.by,
        proposalId: v.proposalId,
        at: iso(v.at),
      };
    }),
  };
}

/** `GET /intelligence/layers`: the team's layers (tenant always) and their live files, by path. */
export async function listLayers(teamId: string) {
  const snap = await liveIntelligenceFiles(teamId, MAX_LISTED_FILES + 1).get();
  const docs = snap.docs.slice(0, MAX_LISTED_FILES).map((d) => d.data());
  const byLayer = new Map<string, IntelligenceFileDoc[]>([[TENANT_LAYER, []]]);
  for (const doc of docs) byLayer.set(doc.layer, [...(byLayer.get(doc.layer) ?? []), doc]);
  const order = (a: string, b: string) =>
    a === TENANT_LAYER ? -1 : b === TENANT_LAYER ? 1 : a < b ? -1 : a > b ? 1 : 0;
  return {
    layers: [...byLayer.keys()].sort(order).map((layer) => ({
      layer,
      kind: layer === TENANT_LAYER ? "tenant" : "repo",
      files: (byLayer.get(layer) ?? [])
        .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
        .map((doc) => fileView(doc, false)),
    })),
    truncated: snap.size > MAX_LISTED_FILES,
  };
}

/** `PUT /intelligence/file`: the next version, unless `If-Match` names another. */
export async function putFile(
  teamId: string,
  target: FileTarget,
  content: string,
  ifMatch: IfMatch,
  by: string,
  now: Date,
): Promise<{ file: FileView; created: boolean }> {
  const size = utf8Bytes(content);
  assert(size <= MAX_INTELLIGENCE_FILE_BYTES, fileTooLarge(size));
  const ref = intelligenceFileRef(teamId, target.layer, target.path);
  return db().runTransaction(async (tx) => {
    const current = (await tx.get(ref)).data();
    assertIfMatch(ifMatch, current);
    const written = commitWrite(tx, ref, target, current, content, by, null, now);
    return { file: fileView(written, false), created: visibleVersion(current) === 0 };
  });
}

/** `DELETE /intelligence/file`: a delete version; the history stays. */
export async function deleteFile(teamId: string, target: FileTarget, ifMatch: IfMatch, by: string, now: Date) {
  const ref = intelligenceFileRef(teamId, target.layer, target.path);
  return db().runTransaction(async (tx) => {
    const current = (await tx.get(ref)).data();
    assert(current !== undefined && !current.deleted, new NotFound("FILE_NOT_FOUND", "No such intelligence file."));
    assertIfMatch(ifMatch, current);
    const written = commitWrite(tx, ref, target, current, null, by, null, now);
    return { ok: true as const, layer: target.layer, path: target.path, version: written.version, deleted: true };
  });
}
