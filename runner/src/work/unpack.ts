/**
 * Unpacks a Coderunner bundle into a fresh directory. The bundle is put through the very check
 * the server ran at upload (contract/src/archive.ts: no traversal, absolute paths, links, twin
 * names or a file and a folder of one name; entry count, declared and actual sizes capped; CRCs
 * and overlaps checked), because what we download need not be what was checked: a tampered blob
 * store or a man in the middle. What is written is the check's own inflated entries (one parser),
 * every target path re-checked to stay inside the directory and never written through an
 * existing path.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve, sep } from "node:path";
import { readArchive, type ArchiveEntry } from "../../../contract/src/archive";
import type { LanguageType } from "../../../contract/src/code";

export type UnpackResult = { ok: true; files: string[]; bytes: number } | { ok: false; reason: string };

export function unpackBundle(bytes: Buffer, language: LanguageType, into: string): UnpackResult {
  const verdict = readArchive(bytes, language);
  if (!verdict.ok) return { ok: false, reason: `The bundle was refused: ${verdict.reason}` };
  try {
    return { ok: true, ...write(verdict.entries, resolve(into)) };
  } catch (error) {
    return {
      ok: false,
      reason: `The bundle could not be unpacked: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
}

function write(entries: readonly ArchiveEntry[], root: string): { files: string[]; bytes: number } {
  mkdirSync(root, { recursive: true });
  const files: string[] = [];
  let written = 0;
  for (const entry of entries) {
    const target = resolve(root, ...entry.name.replace(/\/$/, "").split("/"));
    if (!target.startsWith(root + sep)) throw new Error(`${entry.name} would land outside the bundle directory`);
    if (entry.isDirectory) {
      mkdirSync(target, { recursive: true });
      continue;
    }
    mkdirSync(resolve(target, ".."), { recursive: true });
    // `wx`: never overwrite, so never write through a path that already exists (a link, a twin).
    writeFileSync(target, entry.data, { flag: "wx", mode: 0o644 });
    files.push(entry.name);
    written += entry.data.length;
  }
  return { files, bytes: written };
}

/** Where an unpacked entry point lives, or null if the bundle does not have it. */
export function entryPath(root: string, entryPoint: string, files: readonly string[]): string | null {
  if (!files.includes(entryPoint)) return null;
  return join(resolve(root), ...entryPoint.split("/"));
}
