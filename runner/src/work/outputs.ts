/**
 * Finds a job's declared outputs (globs relative to its work dir) for upload as artifacts. Node 20
 * has no fs.glob, and the patterns we need are simple: `*` and `?` within a path segment, `**`
 * across segments. Symbolic links are not followed: an output is a file the job made.
 */
import { lstat, readdir } from "node:fs/promises";
import { extname, join } from "node:path";

/** Files looked at per job, at most: a job that writes millions of files gets a clear refusal. */
export const MAX_SCANNED_FILES = 10_000;

export function globToRegExp(pattern: string): RegExp {
  const normalized = pattern.replace(/^\.\/+/, "");
  let source = "";
  for (let i = 0; i < normalized.length; i++) {
    const ch = normalized[i] ?? "";
    if (ch === "*") {
      if (normalized[i + 1] === "*") {
        // `**/` matches zero or more whole segments; a trailing `**` matches anything below.
        const slash = normalized[i + 2] === "/";
        source += slash ? "(?:[^/]+/)*" : ".*";
        i += slash ? 2 : 1;
      } else {
        source += "[^/]*";
      }
    } else if (ch === "?") {
      source += "[^/]";
    } else {
      source += ch.replace(/[.+^${}()|[\]\\]/g, "\\$&");
    }
  }
  return new RegExp(`^${source}$`);
}

/** Relative paths (with `/`) of regular files under `root` matching any pattern, sorted. */
export async function findOutputs(root: string, patterns: readonly string[]): Promise<string[]> {
  if (patterns.length === 0) return [];
  const matchers = patterns.map(globToRegExp);
  const found: string[] = [];
  let scanned = 0;
  const walk = async (dir: string, prefix: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      scanned += 1;
      if (scanned > MAX_SCANNED_FILES) throw new Error(`more than ${MAX_SCANNED_FILES} files in the work dir; outputs not collected`);
      const rel = prefix === "" ? entry.name : `${prefix}/${entry.name}`;
      if (entry.isDirectory()) await walk(join(dir, entry.name), rel);
      else if (entry.isFile() && matchers.some((m) => m.test(rel))) found.push(rel);
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
