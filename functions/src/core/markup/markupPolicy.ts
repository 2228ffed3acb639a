/**
 * What runner-made markup (SVG deliverables, rendered markdown) may keep: one allow-list, used
 * by the server before it stores an SVG (over jsdom, `sanitizeMarkup.ts`) and by the Studio
 * before anything reaches innerHTML (over the browser's DOM). DOMPurify does the parsing and its
 * profiles are the allow-list; this file narrows them:
 *
 * - no `<style>` (it restyles the whole page) and no form controls or `<foreignObject>` (a fake
 *   sign-in form inside a deliverable), no animation elements (they can rewrite `href`);
 * - no `style` attributes (the Studio's CSP refuses them anyway, and CSS can load URLs);
 * - nothing that loads from elsewhere: every URL-valued attribute except a link's `href` must be
 *   a same-document `#fragment` (or an inline `data:image/…` picture), and `url(…)` in any
 *   attribute must point inside the document — so rendering a deliverable makes no request;
 * - links keep http(s)/mailto targets but open in a new tab without an opener or referrer.
 *
 * No Firebase or Node imports: the Studio bundles this file.
 */
import type { Config, DOMPurify } from "dompurify";

/** Elements removed with their content, on top of what DOMPurify's profiles already drop. */
export const FORBIDDEN_TAGS = [
  "style",
  "form",
  "input",
  "button",
  "textarea",
  "select",
  "option",
  "foreignObject",
  "iframe",
  "frame",
  "object",
  "embed",
  "link",
  "meta",
  "base",
  "animate",
  "animateMotion",
  "animateTransform",
  "set",
] as const;

/** Attributes removed wherever they appear. */
export const FORBIDDEN_ATTRIBUTES = [
  "style",
  "srcset",
  "action",
  "formaction",
  "ping",
  "background",
  "poster",
] as const;

/** Attributes whose value is a URL the renderer would fetch or follow. */
const URL_ATTRIBUTES = new Set(["href", "xlink:href", "src"]);

/** A same-document reference (`#id`): the only URL a non-link may keep. */
const FRAGMENT = /^\s*#[^\s]*$/;
/** An inline picture: `<img>` / `<image>` may show one, it makes no request. */
const INLINE_IMAGE = /^\s*data:image\/(?:png|gif|jpeg|webp);base64,[A-Za-z0-9+/=\s]*$/i;
/** Where a link may point: the web or mail, absolute. Everything else (javascript:, data:, …) is dropped. */
const LINK_TARGET = /^\s*(?:https?:\/\/|mailto:)/i;
/** `url(` in an attribute value, however it is spelled after entity decoding. */
const CSS_URL = /url\s*\(/i;
const CSS_FRAGMENT_URL = /^\s*url\s*\(\s*['"]?#[^'")\s]*['"]?\s*\)\s*$/i;

const IMAGE_ELEMENTS = new Set(["img", "image"]);

/** Link attributes the renderer sets on every kept link. */
export const LINK_TARGET_ATTRIBUTES = { target: "_blank", rel: "noopener noreferrer nofollow" } as const;

/** Is this URL-valued attribute allowed to stay on this element? */
export function urlAllowed(element: string, value: string): boolean {
  if (FRAGMENT.test(value)) return true;
  if (element === "a") return LINK_TARGET.test(value);
  return IMAGE_ELEMENTS.has(element) && INLINE_IMAGE.test(value);
}

/** `url(#id)` is a reference inside the drawing (a gradient, a clip path); any other `url(` loads. */
export function cssUrlAllowed(value: string): boolean {
  return !CSS_URL.test(value) || CSS_FRAGMENT_URL.test(value);
}

/**
 * What the hooks touch on a node. The server compiles without the DOM's typings (jsdom provides
 * the DOM at run time), so the hooks see nodes through this shape.
 */
interface MarkupNode {
  nodeName: string;
  hasAttribute(name: string): boolean;
  setAttribute(name: string, value: string): void;
  removeAttribute(name: string): void;
}

const HOOKED = new WeakSet<object>();

/** Adds this policy's hooks to a DOMPurify instance (once per instance). */
export function applyMarkupPolicy(purify: DOMPurify): DOMPurify {
  if (HOOKED.has(purify)) return purify;
  purify.addHook("uponSanitizeAttribute", (target, data) => {
    const node = target as unknown as MarkupNode;
    const element = node.nodeName.toLowerCase();
    const name = data.attrName.toLowerCase();
    if (URL_ATTRIBUTES.has(name) && !urlAllowed(element, data.attrValue)) data.keepAttr = false;
    else if (!cssUrlAllowed(data.attrValue)) data.keepAttr = false;
  });
  purify.addHook("afterSanitizeAttributes", (target) => {
    const node = target as unknown as MarkupNode;
    // nodeName, not tagName === "A": an SVG <a> keeps its lower-case name.
    if (node.nodeName.toLowerCase() !== "a") return;
    if (node.hasAttribute("href") || node.hasAttribute("xlink:href")) {
      node.setAttribute("target", LINK_TARGET_ATTRIBUTES.target);
      node.setAttribute("rel", LINK_TARGET_ATTRIBUTES.rel);
    } else {
      node.removeAttribute("target");
    }
  });
  HOOKED.add(purify);
  return purify;
}

const COMMON: Config = {
  FORBID_TAGS: [...FORBIDDEN_TAGS],
  FORBID_ATTR: [...FORBIDDEN_ATTRIBUTES],
  ALLOW_DATA_ATTR: false,
  ALLOW_UNKNOWN_PROTOCOLS: false,
};

/** An SVG drawing: DOMPurify's SVG profile, narrowed as above. */
export const SVG_CONFIG: Config = { ...COMMON, USE_PROFILES: { svg: true, svgFilters: true } };
/** HTML rendered from markdown: DOMPurify's HTML profile, narrowed as above. */
export const HTML_CONFIG: Config = { ...COMMON, USE_PROFILES: { html: true } };

export function sanitizeSvgWith(purify: DOMPurify, source: string): string {
  return applyMarkupPolicy(purify).sanitize(source, SVG_CONFIG);
}

export function sanitizeHtmlWith(purify: DOMPurify, source: string): string {
  return applyMarkupPolicy(purify).sanitize(source, HTML_CONFIG);
}
