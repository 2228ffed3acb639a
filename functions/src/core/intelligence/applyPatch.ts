/**
 * Applies a unified diff (what `diff -u` and `git diff` write, and what agents are asked for) to
 * one file's text. Strict on content: every context and removed line must match exactly, and
 * each hunk applies where its header says or, when the file has moved on above it, at the
 * nearest place below the previous hunk where it matches exactly (like `patch` with no fuzz).
 * Anything else is a PatchError naming the hunk, and nothing is applied.
 */

export class PatchError extends Error {
  constructor(
    message: string,
    /** 1-based hunk that failed; 0 for a patch that does not parse. */
    readonly hunk: number,
  ) {
    super(message);
    this.name = "PatchError";
  }
}

interface Hunk {
  oldStart: number;
  oldCount: number;
  newCount: number;
  /** Lines as written, each with its one-character prefix (` `, `-`, `+`). */
  lines: string[];
  /** `\ No newline at end of file` after the old side's last line / the new side's. */
  oldNoEol: boolean;
  newNoEol: boolean;
}

export interface ParsedPatch {
  /** `--- /dev/null`: the patch creates the file. */
  creates: boolean;
  hunks: Hunk[];
}

const HUNK_HEADER = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/;

/** Parses a single-file unified diff; throws PatchError when it is not one. */
export function parsePatch(patch: string): ParsedPatch {
  const lines = patch.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  let creates = false;
  let files = 0;
  const hunks: Hunk[] = [];
  let current: Hunk | null = null;
  let oldSeen = 0;
  let newSeen = 0;
  let last: string | null = null;
  const finish = () => {
    if (current === null) return;
    if (oldSeen !== current.oldCount || newSeen !== current.newCount)
      throw new PatchError(
        `hunk ${hunks.length + 1} has ${oldSeen} old and ${newSeen} new lines; its header says ${current.oldCount} and ${current.newCount}`,
        hunks.length + 1,
      );
    hunks.push(current);
    current = null;
  };
  for (const line of lines) {
    const inHunk = current !== null && (oldSeen < current.oldCount || newSeen < current.newCount);
    if (current !== null && line.startsWith("\\")) {
      // "\ No newline at end of file" qualifies the line just before it.
      if (last === "-" || last === " ") current.oldNoEol = true;
      if (last === "+" || last === " ") current.newNoEol = true;
      continue;
    }
    if (current !== null && inHunk) {
      const prefix = line === "" ? " " : line[0];
      if (prefix !== " " && prefix !== "-" && prefix !== "+")
        throw new PatchError(`hunk ${hunks.length + 1}: a line starts with neither space, - nor +`, hunks.length + 1);
      if (prefix !== "+") oldSeen += 1;
      if (prefix !== "-") newSeen += 1;
      current.lines.push(line === "" ? " " : line);
      last = prefix;
      continue;
    }
    const header = HUNK_HEADER.exec(line);
    if (header !== null) {
      finish();
      current = {
        oldStart: Number(header[1]),
        oldCount: header[2] === undefined ? 1 : Number(header[2]),
        newCount: header[4] === undefined ? 1 : Number(header[4]),
        lines: [],
        oldNoEol: false,
        newNoEol: false,
      };
      oldSeen = 0;
      newSeen = 0;
      last = null;
      continue;
    }
    if (line.startsWith("--- ")) {
      finish();
      files += 1;
      if (files > 1) throw new PatchError("the patch changes more than one file", 0);
      creates = /^--- \/dev\/null(\s|$)/.test(line);
      continue;
    }
    // Git's and diff's file headers carry nothing the apply needs.
    if (
      current === null &&
      /^(\+\+\+ |diff |index |new file mode |deleted file mode |old mode |new mode |similarity )/.test(line)
    )
      continue;
    if (current !== null && line.trim() === "") continue;
    throw new PatchError(`unexpected line outside a hunk: ${JSON.stringify(line.slice(0, 80))}`, hunks.length);
  }
  finish();
  if (hunks.length === 0) throw new PatchError("the patch has no hunks", 0);
  return { creates, hunks };
}

/** `text` with `patch` applied; throws PatchError when it does not apply exactly. */
export function applyPatch(text: string, patch: string): string {
  const parsed = parsePatch(patch);
  const hadEol = text.length === 0 || text.endsWith("\n");
  const lines = text.length === 0 ? [] : (hadEol ? text.slice(0, -1) : text).split("\n");
  let endsWithEol = hadEol;
  let offset = 0;
  let floor = 0;
  parsed.hunks.forEach((hunk, i) => {
    const before = hunk.lines.filter((l) => l[0] !== "+").map((l) => l.slice(1));
    const after = hunk.lines.filter((l) => l[0] !== "-").map((l) => l.slice(1));
    // An empty old side inserts after line `oldStart`; otherwise the hunk starts on it.
    const wanted = (hunk.oldCount === 0 ? hunk.oldStart : hunk.oldStart - 1) + offset;
    const at = findBlock(lines, before, wanted, floor);
    if (at === null)
      throw new PatchError(`hunk ${i + 1} (@@ -${hunk.oldStart},${hunk.oldCount}) does not match the file`, i + 1);
    const touchesEnd = at + before.length === lines.length;
    if (hunk.oldNoEol && !touchesEnd) throw new PatchError(`hunk ${i + 1} marks a last line that is not last`, i + 1);
    lines.splice(at, before.length, ...after);
    offset = at - (hunk.oldCount === 0 ? hunk.oldStart : hunk.oldStart - 1) + after.length - before.length;
    floor = at + after.length;
    if (touchesEnd) endsWithEol = !hunk.newNoEol;
  });
  if (lines.length === 0) return "";
  return lines.join("\n") + (endsWithEol ? "\n" : "");
}

/** Where `block` occurs in `lines` at or after `floor`, nearest to `wanted`; null if nowhere. */
function findBlock(lines: string[], block: string[], wanted: number, floor: number): number | null {
  const last = lines.length - block.length;
  const matches = (at: number) => block.every((line, k) => lines[at + k] === line);
  let best: number | null = null;
  for (let at = floor; at <= last; at += 1)
    if ((best === null || Math.abs(at - wanted) < Math.abs(best - wanted)) && matches(at)) best = at;
  return best;
}
