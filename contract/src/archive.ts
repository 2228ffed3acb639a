import { crc32, inflateRawSync } from "node:zlib";
import { findEntryPoint } from "./entryPoint";
import { MAX_ARCHIVE_ENTRIES, MAX_ENTRY_PATH_CHARS, MAX_UNCOMPRESSED_BYTES, type LanguageType } from "./code";

/**
 * The server's check of an uploaded ZIP, done with our own central-directory reader and
 * node:zlib rather than a general-purpose unzipper: we need to refuse far more than we need to
 * extract (we extract nothing but `package.json`), and every limit below is enforced before or
 * while the bytes are inflated, never after.
 */

export type ArchiveVerdict =
  { ok: true; entryPoint: string; fileCount: number; uncompressedBytes: number } | { ok: false; reason: string };

/** One accepted entry, inflated and checked: what the runner writes to disk, and nothing else. */
export interface ArchiveEntry {
  name: string;
  isDirectory: boolean;
  data: Buffer;
}

/** Caps the check enforces (overridable in unit tests). */
export interface ArchiveLimits {
  maxEntries: number;
  maxUncompressedBytes: number;
}

export const DEFAULT_ARCHIVE_LIMITS: ArchiveLimits = {
  maxEntries: MAX_ARCHIVE_ENTRIES,
  maxUncompressedBytes: MAX_UNCOMPRESSED_BYTES,
};

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_END = 0x06054b50;
const SIG_ZIP64_LOCATOR = 0x07064b50;
const END_RECORD_BYTES = 22;
const CENTRAL_HEADER_BYTES = 46;
const LOCAL_HEADER_BYTES = 30;
const MAX_COMMENT_BYTES = 0xffff;
const METHOD_STORED = 0;
const METHOD_DEFLATE = 8;
const FLAG_ENCRYPTED = 0x1;
const FLAG_UTF8 = 0x800;
const HOST_UNIX = 3;
const UNIX_TYPE_MASK = 0o170000;
const UNIX_REGULAR = 0o100000;
const UNIX_DIRECTORY = 0o040000;
const UNIX_SYMLINK = 0o120000;

/** A refusal, with the reason stored on the version. */
class Refusal extends Error {}

function refuse(reason: string): never {
  throw new Refusal(reason);
}

interface CentralEntry {
  name: string;
  /** The name's bytes as stored, to compare with the local header's. */
  rawName: Buffer;
  isDirectory: boolean;
  method: number;
  crc: number;
  compressedSize: number;
  uncompressedSize: number;
  localOffset: number;
}

/** Checks `bytes` is a safe ZIP the language can run; never throws for bad input. */
export function inspectArchive(
  bytes: Buffer,
  language: LanguageType,
  limits: ArchiveLimits = DEFAULT_ARCHIVE_LIMITS,
): ArchiveVerdict {
  return verdictOf(() => {
    const { entries: _entries, ...verdict } = check(bytes, language, limits, false);
    return verdict;
  });
}

/**
 * The same check, answering the entries it inflated: the runner unpacks exactly what was checked,
 * with no second parser that could read the archive differently.
 */
export function readArchive(
  bytes: Buffer,
  language: LanguageType,
  limits: ArchiveLimits = DEFAULT_ARCHIVE_LIMITS,
): (ArchiveVerdict & { ok: false }) | (ArchiveVerdict & { ok: true; entries: ArchiveEntry[] }) {
  return verdictOf(() => check(bytes, language, limits, true));
}

/** A refusal as a verdict; anything else is a bug and is thrown. */
function verdictOf<T extends object>(run: () => T): ({ ok: true } & T) | { ok: false; reason: string } {
  try {
    return { ok: true, ...run() };
  } catch (error) {
    if (error instanceof Refusal) return { ok: false, reason: error.message };
    throw error;
  }
}

function check(bytes: Buffer, language: LanguageType, limits: ArchiveLimits, keep: boolean) {
  const end = findEndRecord(bytes);
  const entries = readCentralDirectory(bytes, end, limits);
  const declared = entries.reduce((sum, e) => sum + e.uncompressedSize, 0);
  // Declared sizes first: an honest bomb is refused before a single byte is inflated.
  if (declared > limits.maxUncompressedBytes) {
    refuse(`The archive would inflate to ${declared} bytes; the limit is ${limits.maxUncompressedBytes} (zip bomb?).`);
  }
  const located = entries.map((entry) => locate(bytes, entry, end.centralOffset));
  assertNoOverlap(located);

  // Then the actual bytes: a lying header cannot get past the running total.
  let inflated = 0;
  let packageJson: Buffer | null = null;
  const kept: ArchiveEntry[] = [];
  for (const entry of located) {
    const data = entry.isDirectory
      ? Buffer.alloc(0)
      : inflateEntry(bytes, entry, limits.maxUncompressedBytes - inflated);
    inflated += data.length;
    if (entry.name === "package.json") packageJson = data;
    if (keep) kept.push({ name: entry.name, isDirectory: entry.isDirectory, data });
  }
  const files = new Set(entries.filter((e) => !e.isDirectory).map((e) => e.name));
  const found = findEntryPoint(language, files, packageJson);
  if (!found.ok) refuse(found.reason);
  return { entryPoint: found.entryPoint, fileCount: files.size, uncompressedBytes: inflated, entries: kept };
}

function findEndRecord(bytes: Buffer): {
  entryCount: number;
  centralSize: number;
  centralOffset: number;
  offset: number;
} {
  if (bytes.length < END_RECORD_BYTES) refuse("The file is not a ZIP archive.");
  const lowest = Math.max(0, bytes.length - END_RECORD_BYTES - MAX_COMMENT_BYTES);
  for (let at = bytes.length - END_RECORD_BYTES; at >= lowest; at--) {
    if (bytes.readUInt32LE(at) !== SIG_END) continue;
    // The record's comment must run exactly to the end; otherwise this is a stray signature.
    if (at + END_RECORD_BYTES + bytes.readUInt16LE(at + 20) !== bytes.length) continue;
    const disk = bytes.readUInt16LE(at + 4);
    const centralDisk = bytes.readUInt16LE(at + 6);
    const entriesHere = bytes.readUInt16LE(at + 8);
    const entryCount = bytes.readUInt16LE(at + 10);
    const centralSize = bytes.readUInt32LE(at + 12);
    const centralOffset = bytes.readUInt32LE(at + 16);
    if (disk !== 0 || centralDisk !== 0 || entriesHere !== entryCount)
      refuse("Multi-part (spanned) ZIP archives are not supported.");
    const zip64 = at >= 20 && bytes.readUInt32LE(at - 20) === SIG_ZIP64_LOCATOR;
    if (zip64 || entryCount === 0xffff || centralSize === 0xffffffff || centralOffset === 0xffffffff) {
      refuse("ZIP64 archives are not supported.");
    }
    if (centralOffset + centralSize > at) refuse("The ZIP archive is corrupt (central directory out of bounds).");
    return { entryCount, centralSize, centralOffset, offset: at };
  }
  return refuse("The file is not a ZIP archive.");
}

function readCentralDirectory(
  bytes: Buffer,
  end: ReturnType<typeof findEndRecord>,
  limits: ArchiveLimits,
): CentralEntry[] {
  if (end.entryCount === 0) refuse("The archive is empty.");
  if (end.entryCount > limits.maxEntries)
    refuse(`The archive has ${end.entryCount} entries; the limit is ${limits.maxEntries}.`);
  const stop = end.centralOffset + end.centralSize;
  const entries: CentralEntry[] = [];
  const seen = new Set<string>();
  let at = end.centralOffset;
  for (let i = 0; i < end.entryCount; i++) {
    if (at + CENTRAL_HEADER_BYTES > stop || bytes.readUInt32LE(at) !== SIG_CENTRAL)
      refuse("The ZIP archive is corrupt (bad central directory).");
    const madeBy = bytes.readUInt16LE(at + 4);
    const flags = bytes.readUInt16LE(at + 8);
    const method = bytes.readUInt16LE(at + 10);
    const crc = bytes.readUInt32LE(at + 16);
    const compressedSize = bytes.readUInt32LE(at + 20);
    const uncompressedSize = bytes.readUInt32LE(at + 24);
    const nameLength = bytes.readUInt16LE(at + 28);
    const extraLength = bytes.readUInt16LE(at + 30);
    const commentLength = bytes.readUInt16LE(at + 32);
    const externalAttributes = bytes.readUInt32LE(at + 38);
    const localOffset = bytes.readUInt32LE(at + 42);
    const nameEnd = at + CENTRAL_HEADER_BYTES + nameLength;
    if (nameEnd > stop) refuse("The ZIP archive is corrupt (bad central directory).");
    const rawName = bytes.subarray(at + CENTRAL_HEADER_BYTES, nameEnd);
    const name = decodeName(rawName, (flags & FLAG_UTF8) !== 0);
    at = nameEnd + extraLength + commentLength;
    if (at > stop) refuse("The ZIP archive is corrupt (bad central directory).");

    checkEntryPath(name);
    if ((flags & FLAG_ENCRYPTED) !== 0) refuse(`${name}: encrypted entries are not supported.`);
    if (method !== METHOD_STORED && method !== METHOD_DEFLATE)
      refuse(`${name}: compression method ${method} is not supported (use deflate or store).`);
    const unixType = (externalAttributes >>> 16) & UNIX_TYPE_MASK;
    if (madeBy >> 8 === HOST_UNIX && unixType === UNIX_SYMLINK) refuse(`${name}: symbolic links are not allowed.`);
    if (madeBy >> 8 === HOST_UNIX && unixType !== 0 && unixType !== UNIX_REGULAR && unixType !== UNIX_DIRECTORY) {
      refuse(`${name}: only regular files and folders are allowed.`);
    }
    const isDirectory = name.endsWith("/");
    if (isDirectory && uncompressedSize !== 0) refuse(`${name}: a folder entry cannot hold data.`);
    const key = (isDirectory ? "dir:" : "file:") + pathKey(name);
    if (seen.has(key))
      refuse(
        `${name}: the archive holds this path twice (names are compared as file systems do: case, Unicode form, trailing dots and spaces).`,
      );
    seen.add(key);
    entries.push({ name, rawName, isDirectory, method, crc, compressedSize, uncompressedSize, localOffset });
  }
  if (at !== stop) refuse("The ZIP archive is corrupt (central directory size mismatch).");
  assertFilesAreNotFolders(entries);
  return entries;
}

/**
 * A path as the file systems the runner may unpack onto see it: Unicode NFC (macOS stores NFD,
 * so `é` in either form is one file), each segment without trailing dots and spaces (Windows
 * drops them, so `index.js.` and `index.js ` are `index.js`), case-folded (case-insensitive
 * file systems).
 */
function pathKey(name: string): string {
  return name
    .replace(/\/$/, "")
    .split("/")
    .map((segment) =>
      segment
        .normalize("NFC")
        .replace(/[. ]+$/, "")
        .toLowerCase(),
    )
    .join("/");
}

/** `a` as a file beside `a/b.js` cannot be unpacked: one of them would have to be dropped. */
function assertFilesAreNotFolders(entries: CentralEntry[]): void {
  const folders = new Set<string>();
  for (const entry of entries) {
    const segments = pathKey(entry.name).split("/");
    for (let i = 1; i < segments.length; i++) folders.add(segments.slice(0, i).join("/"));
    if (entry.isDirectory) folders.add(segments.join("/"));
  }
  for (const entry of entries) {
    if (!entry.isDirectory && folders.has(pathKey(entry.name)))
      refuse(`${entry.name}: the archive holds a file and a folder of this name.`);
  }
}

function decodeName(raw: Buffer, utf8: boolean): string {
  if (!utf8) return raw.toString("latin1");
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(raw);
  } catch {
    return refuse("An entry name is not valid UTF-8.");
  }
}

/** Refuses anything that could land outside the folder the runner unpacks into. */
export function checkEntryPath(name: string): void {
  const shown = JSON.stringify(name.slice(0, 100));
  if (name.length === 0) refuse("An entry has an empty name.");
  if (name.length > MAX_ENTRY_PATH_CHARS)
    refuse(`${shown}: the path is longer than ${MAX_ENTRY_PATH_CHARS} characters.`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) refuse(`${shown}: control characters are not allowed in paths.`);
  if (name.includes("\\")) refuse(`${shown}: backslashes are not allowed in paths (use /).`);
  if (name.startsWith("/") || /^[A-Za-z]:/.test(name)) refuse(`${shown}: absolute paths are not allowed.`);
  const segments = name.endsWith("/") ? name.slice(0, -1).split("/") : name.split("/");
  for (const segment of segments) {
    if (segment === "..") refuse(`${shown}: paths may not contain "..".`);
    if (segment === "." || segment.length === 0) refuse(`${shown}: paths may not contain empty or "." segments.`);
    if (/^[. ]+$/.test(segment))
      refuse(`${shown}: a path segment of only dots and spaces is not a name on every file system.`);
  }
}

interface LocatedEntry extends CentralEntry {
  /** Offset of the entry's local header. */
  start: number;
  /** First byte of its compressed data. */
  dataStart: number;
  /** One past its last compressed byte. */
  end: number;
}

function locate(bytes: Buffer, entry: CentralEntry, centralOffset: number): LocatedEntry {
  const at = entry.localOffset;
  if (at + LOCAL_HEADER_BYTES > centralOffset || bytes.readUInt32LE(at) !== SIG_LOCAL)
    refuse(`${entry.name}: the ZIP archive is corrupt (bad local header).`);
  const nameLength = bytes.readUInt16LE(at + 26);
  const extraLength = bytes.readUInt16LE(at + 28);
  // A local name that differs from the central one is how some tools get smuggled past checks.
  if (!bytes.subarray(at + LOCAL_HEADER_BYTES, at + LOCAL_HEADER_BYTES + nameLength).equals(entry.rawName)) {
    refuse(`${entry.name}: the local and central names differ.`);
  }
  const dataStart = at + LOCAL_HEADER_BYTES + nameLength + extraLength;
  const end = dataStart + entry.compressedSize;
  if (end > centralOffset) refuse(`${entry.name}: the ZIP archive is corrupt (data out of bounds).`);
  return { ...entry, start: at, dataStart, end };
}

/** Each entry's data must sit in its own range (no bombs built from entries sharing data). */
function assertNoOverlap(entries: LocatedEntry[]): void {
  const sorted = [...entries].sort((a, b) => a.start - b.start);
  for (let i = 1; i < sorted.length; i++) {
    const previous = sorted[i - 1];
    const current = sorted[i];
    if (previous !== undefined && current !== undefined && current.start < previous.end) {
      refuse(`${current.name}: entries overlap in the archive (zip bomb?).`);
    }
  }
}

/**
 * Inflates one entry, stopping as soon as it would pass its declared size or the archive's
 * remaining budget (zlib checks `maxOutputLength` chunk by chunk, so a bomb is cut off early).
 */
function inflateEntry(bytes: Buffer, entry: LocatedEntry, budget: number): Buffer {
  const raw = bytes.subarray(entry.dataStart, entry.end);
  const limit = Math.min(entry.uncompressedSize, budget);
  let data: Buffer;
  if (entry.method === METHOD_STORED) {
    data = raw;
  } else {
    try {
      data = inflateRawSync(raw, { maxOutputLength: Math.max(1, limit) });
    } catch (error) {
      if ((error as { code?: unknown }).code === "ERR_BUFFER_TOO_LARGE") {
        refuse(`${entry.name}: inflates past its declared ${entry.uncompressedSize} bytes (zip bomb?).`);
      }
      return refuse(`${entry.name}: the compressed data is corrupt.`);
    }
  }
  if (data.length > limit)
    refuse(`${entry.name}: inflates past its declared ${entry.uncompressedSize} bytes (zip bomb?).`);
  if (data.length !== entry.uncompressedSize) refuse(`${entry.name}: the size does not match its header.`);
  if (crc32(data) !== entry.crc) refuse(`${entry.name}: the checksum does not match (corrupt archive).`);
  return data;
}
