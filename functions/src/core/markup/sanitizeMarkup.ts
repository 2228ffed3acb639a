/**
 * Server-side markup sanitising: DOMPurify over jsdom, with the allow-list in `markupPolicy.ts`.
 * DOMPurify's authors name jsdom as the server DOM it is safe over (lighter DOMs such as
 * happy-dom or linkedom parse differently from browsers, which is where mutation XSS lives).
 * The window is made on first use, so only functions that sanitise pay for jsdom.
 */
import createDOMPurify, { type DOMPurify } from "dompurify";
import { JSDOM } from "jsdom";
import { sanitizeSvgWith } from "./markupPolicy";

let purify: DOMPurify | undefined;

function serverPurify(): DOMPurify {
  purify ??= createDOMPurify(new JSDOM("<!doctype html><html><body></body></html>").window as unknown as Window & typeof globalThis);
  return purify;
}

/** An SVG reduced to drawing under the shared allow-list; what is stored and served. */
export function sanitizeSvg(source: string): string {
  return sanitizeSvgWith(serverPurify(), source);
}
