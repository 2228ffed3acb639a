/**
 * `POST /intelligence/preflight`: checks a set of edits as `PUT`/`DELETE` would take them,
 * without saving anything: the path rules, the size cap, a patch that must apply, the version
 * each edit was based on, and duplicates. Each edit gets its own verdict, so an editor can
 * show every problem at once.
 */
import {
  layerProblem,
  MAX_INTELLIGENCE_FILE_BYTES,
  pathProblem,
  TENANT_LAYER,
  utf8Bytes,
} from "../../../../contract/src/intelligence";
import { db } from "../../data/firestore";
import { intelligenceFileRef, type IntelligenceFileDoc } from "../../data/intelligence";
import { applyPatch, PatchError } from "./applyPatch";
import { sha256Hex, visibleVersion } from "./files";

export interface PreflightEdit {
  layer?: string;
  path: string;
  content?: string;
  patch?: string;
  delete?: boolean;
  baseVersion?: number;
}

export interface Problem {
  code: string;
  message: string;
}

export interface EditVerdict {
  layer: string;
  path: string;
  ok: boolean;
  problems: Problem[];
  /** The file's version now (0: it does not exist). */
  currentVersion: number;
  /** What the file would be after the edit (null for a delete, or when it cannot be computed). */
  size: number | null;
  sha256: string | null;
  /** Whether the edit changes anything. */
  changes: boolean;
}

/** Pure part: one edit against the file as it is (`current`), plus problems found across edits. */
export function judgeEdit(
  edit: PreflightEdit,
  current: IntelligenceFileDoc | undefined,
  duplicate: boolean,
): EditVerdict {
  const layer = edit.layer ?? TENANT_LAYER;
  const problems: Problem[] = [];
  const add = (code: string, message: string) => problems.push({ code, message });
  const layerBad = layerProblem(layer);
  if (layerBad !== null) add("INVALID_LAYER", layerBad);
  const pathBad = pathProblem(edit.path);
  if (pathBad !== null) add("INVALID_PATH", pathBad);
  if (duplicate) add("DUPLICATE_EDIT", "the same file is edited more than once in this set");
  const version = visibleVersion(current);
  const kinds = [edit.content !== undefined, edit.patch !== undefined, edit.delete === true].filter(Boolean).length;
  if (kinds !== 1) add("INVALID_EDIT", "an edit has exactly one of content, patch or delete: true");
  if (edit.baseVersion !== undefined && edit.baseVersion !== version)
    add("VERSION_CONFLICT", `the edit is based on version ${edit.baseVersion}; the file is at ${version}`);
  let after: string | null = null;
  if (kinds === 1) {
    if (edit.delete === true) {
      if (version === 0) add("FILE_NOT_FOUND", "there is no such file to delete");
    } else if (edit.patch !== undefined) {
      try {
        after = applyPatch(version === 0 ? "" : (current?.content ?? ""), edit.patch);
      } catch (error) {
        if (!(error instanceof PatchError)) throw error;
        add("PATCH_DOES_NOT_APPLY", error.message);
      }
    } else {
      after = edit.content ?? "";
    }
  }
  const size = after === null ? null : utf8Bytes(after);
  if (size !== null && size > MAX_INTELLIGENCE_FILE_BYTES)
    add("FILE_TOO_LARGE", `${size} bytes; a file holds at most ${MAX_INTELLIGENCE_FILE_BYTES}`);
  const sha256 = after === null ? null : sha256Hex(after);
  return {
    layer,
    path: edit.path,
    ok: problems.length === 0,
    problems,
    currentVersion: version,
    size,
    sha256,
    changes: edit.delete === true ? version > 0 : sha256 !== null && (version === 0 || sha256 !== current?.sha256),
  };
}

/** Reads the files the edits name (one batched read) and judges each edit. Writes nothing. */
export async function preflight(teamId: string, edits: PreflightEdit[]) {
  const keyOf = (e: PreflightEdit) => `${e.layer ?? TENANT_LAYER}\n${e.path}`;
  const counts = new Map<string, number>();
  for (const e of edits) counts.set(keyOf(e), (counts.get(keyOf(e)) ?? 0) + 1);
  // Only well-formed targets are read; the others are judged on their names alone.
  const readable = edits.map((e) => layerProblem(e.layer ?? TENANT_LAYER) === null && pathProblem(e.path) === null);
  const refs = edits.flatMap((e, i) =>
    readable[i] ? [intelligenceFileRef(teamId, e.layer ?? TENANT_LAYER, e.path)] : [],
  );
  const snaps = refs.length === 0 ? [] : await db().getAll(...refs);
  const found = new Map(snaps.map((s) => [s.ref.path, s.data() as IntelligenceFileDoc | undefined]));
  const results = edits.map((e, i) =>
    judgeEdit(
      e,
      readable[i] ? found.get(intelligenceFileRef(teamId, e.layer ?? TENANT_LAYER, e.path).path) : undefined,
      (counts.get(keyOf(e)) ?? 0) > 1,
    ),
  );
  return { ok: results.every((r) => r.ok), edits: results };
}
