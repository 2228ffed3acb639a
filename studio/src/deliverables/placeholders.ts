import { DELIVERABLE_KINDS, type DeliverableKind, type DeliverableView } from "./types";

/** A piece of an assistant reply, in reading order. */
export type ReplySegment =
  | { type: "text"; text: string }
  | { type: "deliverable"; deliverable: DeliverableView }
  /** A placeholder whose deliverable is not in the reply (shown as a note, not silently dropped). */
  | { type: "missing"; kind: DeliverableKind; id: string };

/** `{{artifact:KIND:ID}}`; file ids are paths, so `/` and `.` are allowed. */
const PLACEHOLDER = /\{\{artifact:([a-z_]+):([^{}\s]{1,200})\}\}/g;

function isKind(value: string): value is DeliverableKind {
  return (DELIVERABLE_KINDS as readonly string[]).includes(value);
}

/**
 * The server stores files under their sanitised path (each segment's other characters become
 * `_`), while a runner's placeholder may name the file as it sent it; both should find it.
 */
export function sanitiseFilePath(name: string): string {
  return name
    .trim()
    .split("/")
    .map((segment) => segment.trim().replace(/[^A-Za-z0-9._-]+/g, "_"))
    .join("/");
}

function matches(deliverable: DeliverableView, kind: DeliverableKind, id: string): boolean {
  if (deliverable.kind !== kind) return false;
  return deliverable.id === id || (kind === "file" && deliverable.id === sanitiseFilePath(id));
}

/**
 * Splits a reply at its placeholders: each one becomes its deliverable where it stands, and
 * deliverables no placeholder names follow the text in their stored order. A deliverable named
 * twice is shown twice, where the author put it.
 */
export function layoutReply(text: string, deliverables: readonly DeliverableView[]): ReplySegment[] {
  const ordered = [...deliverables].sort((a, b) => a.order - b.order);
  const used = new Set<string>();
  const segments: ReplySegment[] = [];
  let cursor = 0;
  for (const match of text.matchAll(PLACEHOLDER)) {
    const [whole, kind = "", id = ""] = match;
    if (!isKind(kind)) continue; // not one of ours: leave the text as written
    const start = match.index;
    if (start > cursor) segments.push({ type: "text", text: text.slice(cursor, start) });
    cursor = start + whole.length;
    const found = ordered.find((d) => matches(d, kind, id));
    if (found === undefined) {
      segments.push({ type: "missing", kind, id });
    } else {
      used.add(found.deliverableId);
      segments.push({ type: "deliverable", deliverable: found });
    }
  }
  if (cursor < text.length) segments.push({ type: "text", text: text.slice(cursor) });
  for (const d of ordered) {
    if (!used.has(d.deliverableId)) segments.push({ type: "deliverable", deliverable: d });
  }
  // Whitespace-only text between two deliverables would render as empty paragraphs.
  return segments.filter((s) => s.type !== "text" || s.text.trim() !== "");
}
