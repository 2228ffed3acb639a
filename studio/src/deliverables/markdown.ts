/**
 * Markdown to safe HTML: `marked` renders it, DOMPurify removes anything that could run script
 * or load another document. Runner output is untrusted, so nothing reaches innerHTML without
 * passing through `sanitize` here.
 */
import DOMPurify from "dompurify";
import { Marked } from "marked";

const markdown = new Marked({ gfm: true, breaks: false, async: false });

let hooked = false;

function purifier(): typeof DOMPurify {
  if (!hooked) {
    // Links from runner output open elsewhere and do not get this page as their opener.
    DOMPurify.addHook("afterSanitizeAttributes", (node) => {
      if (node.tagName === "A" && node.hasAttribute("href")) {
        node.setAttribute("target", "_blank");
        node.setAttribute("rel", "noopener noreferrer nofollow");
      }
    });
    hooked = true;
  }
  return DOMPurify;
}

export function markdownToSafeHtml(source: string): string {
  const html = markdown.parse(source, { async: false });
  return purifier().sanitize(html, { USE_PROFILES: { html: true } });
}

/** An SVG document reduced to drawing: no script, no event handlers, no foreign content. */
export function sanitizeSvg(source: string): string {
  return purifier().sanitize(source, { USE_PROFILES: { svg: true, svgFilters: true } });
}
