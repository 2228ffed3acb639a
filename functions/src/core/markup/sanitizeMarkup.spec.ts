import assert from "node:assert/strict";
import createDOMPurify from "dompurify";
import { FORBIDDEN_TAGS, LINK_TARGET_ATTRIBUTES, cssUrlAllowed, sanitizeHtmlWith, urlAllowed } from "./markupPolicy";
import { sanitizeSvg, serverWindow } from "./sanitizeMarkup";
import { ISSUE_18_VECTORS, PUBLISHED_VECTORS } from "./xssVectors";

/** The few DOM members the checker uses (functions compile without the DOM's typings). */
interface Node {
  nodeName: string;
  innerHTML: string;
  attributes: ArrayLike<{ name: string; value: string }>;
  querySelectorAll(selector: string): ArrayLike<Node>;
  hasAttribute(name: string): boolean;
  getAttribute(name: string): string | null;
}

const window = serverWindow();
const htmlPurify = createDOMPurify(window);
const newContainer = () => (window.document as unknown as { createElement(tag: string): Node }).createElement("div");
const sanitizeHtml = (source: string) => sanitizeHtmlWith(htmlPurify, source);

const RUNNABLE_TAGS = new Set([
  "script",
  "iframe",
  "frame",
  "frameset",
  "object",
  "embed",
  "applet",
  "meta",
  "base",
  "link",
  "template",
  "noscript",
  "xmp",
  "math",
]);
const FORBIDDEN = new Set([...FORBIDDEN_TAGS.map((t) => t.toLowerCase()), ...RUNNABLE_TAGS]);

/**
 * Parses the sanitiser's output again, as the browser does when it sets innerHTML (so a
 * mutation that only appears on the second parse is caught too), and lists what could run
 * script, restyle the page, submit a form or make a request.
 */
function hazards(html: string): string[] {
  const container = newContainer();
  container.innerHTML = html;
  const found: string[] = [];
  for (const el of [container, ...Array.from(container.querySelectorAll("*"))]) {
    const tag = el.nodeName.toLowerCase();
    if (FORBIDDEN.has(tag)) found.push(`<${tag}>`);
    for (const attr of Array.from(el.attributes)) {
      const name = attr.name.toLowerCase();
      if (name.startsWith("on")) found.push(`${tag}[${name}]`);
      if (name === "style" || name === "srcset" || name === "formaction" || name === "action" || name === "ping")
        found.push(`${tag}[${name}]`);
      if ((name === "href" || name === "xlink:href" || name === "src") && !urlAllowed(tag, attr.value))
        found.push(`${tag}[${name}=${attr.value}]`);
      if (!cssUrlAllowed(attr.value)) found.push(`${tag}[${name}] url()`);
      if (/^\s*(?:javascript|vbscript|data:text)/i.test(attr.value.replace(/[\s\p{Cc}]/gu, "")))
        found.push(`${tag}[${name}] script URL`);
    }
    if (tag === "a" && (el.hasAttribute("href") || el.hasAttribute("xlink:href"))) {
      if (
        el.getAttribute("target") !== LINK_TARGET_ATTRIBUTES.target ||
        el.getAttribute("rel") !== LINK_TARGET_ATTRIBUTES.rel
      )
        found.push("a without target/rel");
    }
  }
  return found;
}

describe("markup sanitiser (server: DOMPurify over jsdom, shared allow-list)", () => {
  describe("the bypasses from issue 18", () => {
    for (const vector of ISSUE_18_VECTORS) {
      it(`${vector.name}: neutralised as SVG and as HTML`, () => {
        assert.deepEqual(hazards(sanitizeSvg(vector.source)), [], sanitizeSvg(vector.source));
        assert.deepEqual(hazards(sanitizeHtml(vector.source)), [], sanitizeHtml(vector.source));
      });
    }
  });

  describe(`published vectors (${PUBLISHED_VECTORS.length}, OWASP and html5sec)`, () => {
    for (const vector of PUBLISHED_VECTORS) {
      it(`${vector.name}: neutralised as SVG and as HTML`, () => {
        assert.deepEqual(hazards(sanitizeSvg(vector.source)), [], sanitizeSvg(vector.source));
        assert.deepEqual(hazards(sanitizeHtml(vector.source)), [], sanitizeHtml(vector.source));
      });
    }
  });

  it("the checker itself sees each hazard it looks for", () => {
    assert.ok(hazards('<img src="https://evil.example/x">').length > 0);
    assert.ok(hazards('<svg><rect onclick="x"/></svg>').length > 0);
    assert.ok(hazards('<svg><rect filter="url(https://evil.example/f#a)"/></svg>').length > 0);
    assert.ok(hazards('<svg><a href="https://example.org/">x</a></svg>').length > 0);
    assert.ok(hazards("<style>body{}</style>").length > 0);
  });

  it("keeps an honest drawing as it was", () => {
    const drawing =
      '<svg viewBox="0 0 100 50" xmlns="http://www.w3.org/2000/svg"><defs><linearGradient id="g"><stop offset="0" stop-color="#f00"></stop></linearGradient></defs>' +
      '<rect x="1" y="2" width="30" height="20" fill="url(#g)"></rect><circle cx="50" cy="25" r="10" stroke="#333"></circle><text x="5" y="45">Sales &amp; costs</text></svg>';
    assert.equal(sanitizeSvg(drawing), drawing);
  });

  it("links keep http(s) targets and open in a new tab without opener or referrer", () => {
    const out = sanitizeSvg('<svg><a href="https://example.org/doc"><text y="9">doc</text></a></svg>');
    assert.match(out, /href="https:\/\/example\.org\/doc"/);
    assert.match(out, /target="_blank"/);
    assert.match(out, /rel="noopener noreferrer nofollow"/);
    const html = sanitizeHtml('<p><a href="https://example.org/" target="_self">x</a></p>');
    assert.match(html, /target="_blank"/);
  });

  it("inline pictures stay, outside ones go", () => {
    const dataPng = "data:image/png;base64,iVBORw0KGgo=";
    assert.match(sanitizeHtml(`<img src="${dataPng}" alt="a">`), /src="data:image\/png/);
    assert.doesNotMatch(sanitizeHtml('<img src="https://evil.example/p.png" alt="a">'), /src=/);
    assert.doesNotMatch(sanitizeHtml('<img src="/api/keys" alt="a">'), /src=/);
    assert.doesNotMatch(sanitizeSvg('<svg><image href="data:image/svg+xml;base64,PHN2Zz4=" /></svg>'), /href=/);
  });

  it("removes forms, inputs and style outright (their text too for style)", () => {
    const out = sanitizeHtml(
      '<p>hi</p><style>p{color:red}</style><form><input name="a"><textarea>t</textarea><select><option>o</option></select><button>b</button></form>',
    );
    assert.doesNotMatch(out, /<(style|form|input|textarea|select|option|button)/);
    assert.doesNotMatch(out, /color:red/);
  });
});
