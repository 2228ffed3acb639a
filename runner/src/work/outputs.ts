/**
 * Finds a job's declared outputs (globs relative to its work dir) for upload as artifacts, with
 * picomatch: `*`, `?`, `**`, braces (`dist/*.{js,map}`), classes (`out/[ab].txt`) and extglobs,
 * as shells and CI configs write them. Symbolic links are not followed: an output is a file the
 * job made.
 */
import { lstat, readdir } from "node:fs/promises";
import { extname, join } from "node:path";
import picomatch from "picomatch";

/** Files looked at per job, at most: a job that writes millions of files gets a clear refusal. */
export const MAX_SCANNED_FILES = 10_000;

/** One matcher for a job type's patterns (a leading `./` means the work dir itself). */
export function outputMatcher(patterns: readonly string[]): (path: string) => boolean {
  return picomatch(
    patterns.map((p) => p.replace(/^\.\/+/, "")),
    { dot: true },
  );
}

/** Relative paths (with `/`) of regular files under `root` matching any pattern, sorted. */
export async function findOutputs(root: string, patterns: readonly string[]): Promise<string[]> {
  if (patterns.length === 0) return [];
  const matches = outputMatcher(patterns);
  const found: string[] = [];
  let scanned = 0;
  const walk = async (dir: string, prefix: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      scanned += 1;
      if (scanned > MAX_SCANNED_FILES)
        throw new Error(`more than ${MAX_SCANNED_FILES} files in the work dir; outputs not collected`);
      const rel = prefix === "" ? entry.name : `${prefix}/${entry.name}`;
      if (entry.isDirectory()) await walk(join(dir, entry.name), rel);
      else if (entry.isFile() && matches(rel)) found.push(rel);
    }
  };
  await walk(root, "");
  return found.sort();
}

export async function sizeOf(path: string): Promise<number> {
  return (await lstat(path)).size;
}

const CONTENT_TYPES: Record<string, string> = {
  ".txt": "text/plain; charset=utf-8",
  ".log": "text/plain; charset=utf-8",
  ".md": "text/markdown; charset=utf-8",
  ".csv": "text/csv; charset=utf-8",
  ".json": "application/json",
  ".html": "text/html; charset=utf-8",
  ".xml": "application/xml",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".pdf": "application/pdf",
  ".zip": "application/zip",
  ".gz": "application/gzip",
  ".tar": "application/x-tar",
};

export function contentTypeOf(name: string): string {
  return CONTENT_TYPES[extname(name).toLowerCase()] ?? "application/octet-stream";
}
