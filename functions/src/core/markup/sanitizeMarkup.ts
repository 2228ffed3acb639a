/**
 * Server-side markup sanitising: DOMPurify over jsdom, with the allow-list in `markupPolicy.ts`.
 * DOMPurify's authors name jsdom as the server DOM it is safe over (lighter DOMs such as
 * happy-dom or linkedom parse differently from browsers, which is where mutation XSS lives).
 * jsdom is loaded on first use, not at import: every function shares one module graph, and
 * loading jsdom takes seconds, which only the functions that sanitise should pay.
 */
import createDOMPurify, { type DOMPurify, type WindowLike } from "dompurify";
import { sanitizeSvgWith } from "./markupPolicy";

let purify: DOMPurify | undefined;

/**
 * A jsdom window. Typed by hand rather than with @types/jsdom, which would pull the browser's
 * DOM typings into every Node program that imports this file.
 */
type ServerWindow = WindowLike & { document: NonNullable<WindowLike["document"]> };

export function serverWindow(): ServerWindow {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- deferred on purpose (see above)
  const { JSDOM } = require("jsdom") as { JSDOM: new (html: string) => { window: ServerWindow } };
  return new JSDOM("<!doctype html><html><body></body></html>").window;
}

function serverPurify(): DOMPurify {
  purify ??= createDOMPurify(serverWindow());
  return purify;
}

/** An SVG reduced to drawing under the shared allow-list; what is stored and served. */
export function sanitizeSvg(source: string): string {
  return sanitizeSvgWith(serverPurify(), source);
}
