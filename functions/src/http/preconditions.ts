/**
 * Versioned documents (intelligence files, the runner configuration) carry their version as a
 * strong ETag, `"<version>"`, and take it back in `If-Match` so that a write based on a stale
 * read is refused (412) instead of silently overwriting someone else's change.
 */
import { InvalidArgument } from "./errors";

/** The ETag of a version. */
export function etagOf(version: number): string {
  return `"${version}"`;
}

/**
 * What `If-Match` asks for: absent → undefined (no precondition); `*` → "any" (the document
 * exists); otherwise the versions it lists (`"3"`, `W/"3"`, `"3", "4"`). Anything else is 400.
 */
export function parseIfMatch(header: string | undefined): undefined | "any" | number[] {
  if (header === undefined) return undefined;
  const value = header.trim();
  if (value === "*") return "any";
  const versions: number[] = [];
  for (const part of value.split(",")) {
    const match = /^\s*(?:W\/)?"(\d{1,15})"\s*$/.exec(part);
    if (match === null)
      throw new InvalidArgument("INVALID_IF_MATCH", 'If-Match takes the ETag from a read, e.g. "3", or *.');
    versions.push(Number(match[1]));
  }
  return versions;
}

/** Whether a document at `current` (0 when it does not exist) meets the `If-Match` condition. */
export function ifMatchHolds(condition: undefined | "any" | number[], current: number): boolean {
  if (condition === undefined) return true;
  if (condition === "any") return current > 0;
  return condition.includes(current);
}
