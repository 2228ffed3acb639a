/**
 * Unpacks a Coderunner bundle into a fresh directory. The bundle is first put through the very
 * check the server ran at upload (functions/src/core/code/inspectArchive.ts: no traversal,
 * absolute paths, links or duplicate names; entry count, declared and actual sizes capped; CRCs
 * and overlaps checked), because what we download need not be what was checked: a tampered blob
 * store or a man in the middle. Only then is it extracted, with the same caps enforced again
 * while writing and every target path re-checked to stay inside the directory.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve, sep } from "node:path";
import { inflateRawSync } from "node:zlib";
import { checkEntryPath, inspectArchive } from "../../../contract/src/archive";
import { MAX_ARCHIVE_ENTRIES, MAX_UNCOMPRESSED_BYTES, type LanguageType } from "../../../contract/src/code";

export type UnpackResult = { ok: true; files: string[]; bytes: number } | { ok: false; reason: string };

const SIG_END = 0x06054b50;
const END_RECORD_BYTES = 22;
const CENTRAL_HEADER_BYTES = 46;
const LOCAL_HEADER_BYTES = 30;
const MAX_COMMENT_BYTES = 0xffff;
const METHOD_STORED = 0;
const FLAG_UTF8 = 0x800;

export function unpackBundle(bytes: Buffer, language: LanguageType, into: string): UnpackResult {
  const verdict = inspectArchive(bytes, language);
  if (!verdict.ok) return { ok: false, reason: `The bundle was refused: ${verdict.reason}` };
  try {
    return { ok: true, ...extract(bytes, resolve(into)) };
  } catch (error) {
    return { ok: false, reason: `The bundle could not be unpacked: ${error instanceof Error ? error.message : String(error)}` };
  }
}

/** Extraction of an archive inspectArchive accepted; each check here is the second line of defence. */
function extract(bytes: Buffer, root: string): { files: string[]; bytes: number } {
  const end = findEnd(bytes);
  const count = bytes.readUInt16LE(end + 10);
  if (count > MAX_ARCHIVE_ENTRIES) throw new Error("too many entries");
  let at = bytes.readUInt32LE(end + 16);
  let written = 0;
  const files: string[] = [];
  mkdirSync(root, { recursive: true });
  for (let i = 0; i < count; i++) {
    const flags = bytes.readUInt16LE(at + 8);
    const method = bytes.readUInt16LE(at + 10);
    const compressedSize = bytes.readUInt32LE(at + 20);
    const size = bytes.readUInt32LE(at + 24);
    const nameLength = bytes.readUInt16LE(at + 28);
    const skip = bytes.readUInt16LE(at + 30) + bytes.readUInt16LE(at + 32);
    const localOffset = bytes.readUInt32LE(at + 42);
    const rawName = bytes.subarray(at + CENTRAL_HEADER_BYTES, at + CENTRAL_HEADER_BYTES + nameLength);
    const name = rawName.toString((flags & FLAG_UTF8) !== 0 ? "utf8" : "latin1");
    at += CENTRAL_HEADER_BYTES + nameLength + skip;

    checkEntryPath(name);
    const target = resolve(root, ...name.replace(/\/$/, "").split("/"));
    if (!target.startsWith(root + sep)) throw new Error(`${name} would land outside the bundle directory`);
    if (name.endsWith("/")) {
      mkdirSync(target, { recursive: true });
      continue;
    }
    const dataStart = localOffset + LOCAL_HEADER_BYTES + bytes.readUInt16LE(localOffset + 26) + bytes.readUInt16LE(localOffset + 28);
    const raw = bytes.subarray(dataStart, dataStart + compressedSize);
    const budget = MAX_UNCOMPRESSED_BYTES - written;
    if (size > budget) throw new Error("the bundle inflates past the size limit");
    const data = method === METHOD_STORED ? raw : inflateRawSync(raw, { maxOutputLength: Math.max(1, size) });
    if (data.length !== size) throw new Error(`${name}: size does not match its header`);
    written += data.length;
    mkdirSync(dirname(target), { recursive: true });
    // `wx`: never overwrite, so never write through a path that already exists (a link, a twin).
    writeFileSync(target, data, { flag: "wx", mode: 0o644 });
    files.push(name);
  }
  return { files, bytes: written };
}

function findEnd(bytes: Buffer): number {
  const lowest = Math.max(0, bytes.length - END_RECORD_BYTES - MAX_COMMENT_BYTES);
  for (let at = bytes.length - END_RECORD_BYTES; at >= lowest; at--) {
    if (bytes.readUInt32LE(at) === SIG_END && at + END_RECORD_BYTES + bytes.readUInt16LE(at + 20) === bytes.length) return at;
  }
  throw new Error("not a ZIP archive");
}

/** Where an unpacked entry point lives, or null if the bundle does not have it. */
export function entryPath(root: string, entryPoint: string, files: readonly string[]): string | null {
  if (!files.includes(entryPoint)) return null;
  return join(resolve(root), ...entryPoint.split("/"));
}
