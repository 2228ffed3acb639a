/**
 * Markdown to safe HTML, and SVG made safe: `marked` renders markdown, and DOMPurify with the
 * server's own allow-list (`functions/src/core/markup/markupPolicy.ts`) removes anything that
 * could run script, restyle the page, show a form or load from elsewhere. The server already
 * stores SVGs sanitised; the Studio sanitises again because records written before that (and
 * markdown files, which are stored as the runner wrote them) reach it raw. Nothing reaches
 * innerHTML without passing through here.
 */
import DOMPurify from "dompurify";
import { Marked } from "marked";
import { sanitizeHtmlWith, sanitizeSvgWith } from "../../../functions/src/core/markup/markupPolicy";

const markdown = new Marked({ gfm: true, breaks: false, async: false });

export function markdownToSafeHtml(source: string): string {
  return sanitizeHtmlWith(DOMPurify, markdown.parse(source, { async: false }));
}

/** An SVG document reduced to drawing: no script, handlers, styles, forms or outside loads. */
export function sanitizeSvg(source: string): string {
  return sanitizeSvgWith(DOMPurify, source);
}
