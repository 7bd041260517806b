// Make the built book's pages fast to open on a phone; `make book` runs this after jupyter-book.
//
//     node scripts/postprocess_html.mjs _build/html
//
// Changes to every HTML page and the site's static files, each measured with Lighthouse
// (benchmarks/lighthouse.py):
//
// 1. Math typeset at build time. Sphinx writes each formula as TeX in a `.math` element (\(..\) inline,
//    \[..\] displayed) and adds MathJax's scripts, which typeset it in the reader's browser: about
//    0.6 MB of JavaScript and seconds of work on a phone. Here mathjax-full (pinned in js/package.json)
//    writes MathJax's own output into the page instead: CommonHTML with the hidden MathML that screen
//    readers read, and the stylesheet MathJax would insert, inline in the <head> (its fonts are the
//    ones the site serves under _static/vendor/mathjax). The MathJax script tags are removed. The TeX
//    options (macros, say) come from the `window.MathJax` configuration Sphinx wrote into the page
//    from _config.yml, so they are honoured.
// 2. Scripts deferred: they run after the page is parsed (in the same order) instead of blocking its
//    first paint. documentation_options.js is written inline instead, since inline scripts use it.
//    Sphinx's search scripts, with the index of the whole site, stay on the search page only: the theme
//    loads them on every page for its search-as-you-type, which this book does not turn on. Each local
//    file's `?v=` checksum is brought up to date (Sphinx leaves it stale in pages it did not rewrite).
// 3. Figures get their width and height (read from the PNG), so the page does not shift as they load,
//    and all but the first are loaded lazily, when the reader scrolls near them.
// 4. The stylesheets that block the first paint become one bundle, with a critical copy of the theme's
//    large stylesheets, and the rest loads without blocking (see below).
// 5. The icon fonts hold only the icons the site shows.
// 6. Each playground's data moves from the page into a script file of its own, which playground.js
//    loads once the page is shown.
// 7. The theme's check for boxes that scroll passes over sections the browser has not laid out yet.
// 8. MathJax's fonts hold only the characters the site's formulas draw, and each page preloads those it
//    uses.
//
// Every step leaves a page it has already changed as it is, so running the script twice changes
// nothing, and a page Sphinx rebuilt is changed again. `jupyter-book build` alone still gives working
// pages (typeset in the browser).
import { createHash } from "node:crypto";
import { createRequire } from "node:module";
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import zlib from "node:zlib";

const require = createRequire(new URL("../js/package.json", import.meta.url));
const { mathjax } = require("mathjax-full/js/mathjax.js");
const { TeX } = require("mathjax-full/js/input/tex.js");
const { CHTML } = require("mathjax-full/js/output/chtml.js");
const { liteAdaptor } = require("mathjax-full/js/adaptors/liteAdaptor.js");
const { RegisterHTMLHandler } = require("mathjax-full/js/handlers/html.js");
const { AssistiveMmlHandler } = require("mathjax-full/js/a11y/assistive-mml.js");
const { AllPackages } = require("mathjax-full/js/input/tex/AllPackages.js");

// ---- 1. math ----------------------------------------------------------------------------------------

// In the browser MathJax scales math to the surrounding text (matchFontHeight): the book's font has
// an ex-height of 0.5625 em in Chromium, which gives the 127.3% MathJax chose there. Node cannot
// measure a font, so that measurement is fixed here.
const EM = 16;
const EX = 9;
const CONTAINER_WIDTH = 80 * EM;
const FONTS = "_static/vendor/mathjax/output/chtml/fonts/woff-v2";

// What Sphinx writes: the configuration, the MathJax loader, and each formula.
const CONFIG = /<script>\s*window\.MathJax = (\{.*?\})<\/script>\n?/s;
const LOADER = /<script [^>]*src="[^"]*vendor\/mathjax\/startup\.js[^"]*"><\/script>\n?/g;
const MATH = /(<(span|div) class="math notranslate nohighlight"[^>]*>)(.*?)(<\/\2>)/gs;
const TEX = /\\\((.*?)\\\)|\\\[(.*?)\\\]/gs;

const adaptor = liteAdaptor({ fontSize: EM });
AssistiveMmlHandler(RegisterHTMLHandler(adaptor));

function unescapeHtml(text) {
  return text
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#(\d+);/g, (_, n) => String.fromCodePoint(Number(n)))
    .replace(/&#x([0-9a-f]+);/gi, (_, n) => String.fromCodePoint(parseInt(n, 16)))
    .replace(/&amp;/g, "&");
}

// The page with its formulas typeset and no MathJax scripts; unchanged without MathJax configuration.
export function typesetMath(html, root) {
  const config = html.match(CONFIG);
  if (!config) return html;
  const doc = mathjax.document("", {
    InputJax: new TeX({ packages: AllPackages, ...(JSON.parse(config[1]).tex || {}) }),
    OutputJax: new CHTML({ fontURL: root + FONTS }),
  });
  const scale = EX / EM / doc.outputJax.font.params.x_height;
  const errors = [];
  const typeset = html.replace(MATH, (_, open, tag, inner, close) => {
    const formulas = inner.replace(TEX, (source, inline, display) => {
      const options = { display: display !== undefined, em: EM, ex: EX, containerWidth: CONTAINER_WIDTH, scale };
      const out = adaptor.outerHTML(doc.convert(unescapeHtml(inline ?? display), options));
      if (out.includes("<mjx-merror")) errors.push(source);
      return out;
    });
    return open + formulas + close;
  });
  if (errors.length) throw new Error(`TeX errors: ${errors.join(" | ")}`);
  // Text shows at once in a fallback font while MathJax's fonts load (each character's box has its
  // width from the stylesheet, so nothing moves when they arrive).
  const style = adaptor
    .outerHTML(doc.outputJax.styleSheet(doc))
    .replace(/@font-face \/\* \d+ \*\/ \{/g, (rule) => `${rule}\n  font-display: swap;`);
  return typeset.replace(CONFIG, "").replace(LOADER, "").replace("</head>", `${style}\n</head>`);
}

// ---- 2. scripts -------------------------------------------------------------------------------------

const SCRIPT = /<script( [^>]*)?>(.*?)<\/script>/gs;
const OPTIONS_SCRIPT = "documentation_options.js";

// The page with every external classic script deferred and documentation_options.js inline.
export function deferScripts(html, file) {
  return html.replace(SCRIPT, (tag, attributes = "", content) => {
    const src = attributes.match(/\bsrc="([^"]*)"/);
    if (!src || /\b(defer|async)\b|\btype="module"/.test(attributes)) return tag;
    const url = src[1].split("?")[0];
    if (url.endsWith(OPTIONS_SCRIPT)) {
      const code = fs.readFileSync(path.join(path.dirname(file), url), "utf8");
      return `<script>${code.trim()}</script>`;
    }
    return `<script defer${attributes}>${content}</script>`;
  });
}

// The theme (pydata-sphinx-theme) adds these to every page; only its search-as-you-type uses them there.
const SEARCH_SCRIPT = /<script [^>]*src="[^"]*\b(searchtools|language_data|searchindex)\.js[^"]*"><\/script>\n?/g;
const SEARCH_AS_YOU_TYPE_OFF = "DOCUMENTATION_OPTIONS.search_as_you_type = false;";

// The page without the search scripts, unless it is the search page or the theme searches as you type.
export function dropSearchScripts(html, file) {
  if (path.basename(file) === "search.html" || !html.includes(SEARCH_AS_YOU_TYPE_OFF)) return html;
  return html.replace(SEARCH_SCRIPT, "");
}

// Sphinx appends ?v=<CRC32 of the file> to the scripts and stylesheets it links, so that browsers fetch
// a file again when it changes; a page Sphinx did not rebuild keeps the checksum of the old file.
const CHECKSUMMED = /\b(src|href)="([^"?]*)\?v=([0-9a-f]{8})"/g;

// Every page links the same few files: each is read and checksummed once per run.
const checksums = new Map();

// A file's checksum as Sphinx computes it: CRC32 with carriage returns removed.
function checksumOf(file) {
  if (!checksums.has(file)) {
    const content = fs.readFileSync(file).filter((byte) => byte !== 13);
    checksums.set(file, (zlib.crc32(content) >>> 0).toString(16).padStart(8, "0"));
  }
  return checksums.get(file);
}

// The page with each local file's ?v= computed from the file as it is now.
export function refreshChecksums(html, file) {
  return html.replace(CHECKSUMMED, (attribute, name, url, old) => {
    const local = path.join(path.dirname(file), url);
    if (/^[a-z]+:/i.test(url) || !fs.existsSync(local)) return attribute;
    const checksum = checksumOf(local);
    return checksum === old ? attribute : `${name}="${url}?v=${checksum}"`;
  });
}

// ---- 3. figures -------------------------------------------------------------------------------------

const IMAGE = /<img ([^>]*?)\s*\/?>/g;

// A PNG's width and height, from its IHDR chunk (bytes 16-23).
export function pngSize(file) {
  const header = Buffer.alloc(24);
  const fd = fs.openSync(file, "r");
  fs.readSync(fd, header, 0, 24, 0);
  fs.closeSync(fd);
  return [header.readUInt32BE(16), header.readUInt32BE(20)];
}

// The page with width/height on every local PNG figure and loading="lazy" on all but the first.
export function sizeFigures(html, file) {
  let seen = 0;
  return html.replace(IMAGE, (tag, attributes) => {
    const src = attributes.match(/\bsrc="([^"]*\.png)"/);
    if (!src || src[1].includes(":")) return tag;
    seen += 1;
    if (/\bwidth=/.test(attributes)) return tag;
    const [width, height] = pngSize(path.join(path.dirname(file), decodeURI(src[1])));
    // height: auto keeps the proportions when the theme's max-width: 100% narrows the figure.
    let added = ` width="${width}" height="${height}" style="height: auto"`;
    if (seen > 1) added += ' loading="lazy" decoding="async"';
    return `<img ${attributes}${added} />`;
  });
}

// ---- 4. stylesheets ---------------------------------------------------------------------------------

// The theme's stylesheet (Bootstrap, Font Awesome and pydata-sphinx-theme: 66 kB compressed) blocks the
// first paint, and about nine tenths of its rules match nothing in the book. Each large stylesheet is
// split in two copies: a "critical" one without the selectors that name a class no page or script of the
// site mentions, and the "rest", those selectors alone. The page loads the critical copy as before and
// the rest without blocking, so a class a script builds at run time (Bootstrap's tooltips and open
// menus) is styled too, only a moment later. The rest matches no element while the page loads, so the
// browser applies it without styling the page again (the full stylesheet there cost a phone 70-100 ms:
// Chromium's trace at 4x CPU). The one difference from the original cascade: a rule of the rest now
// follows every critical rule; tests/browser/test_site.py checks that an open menu and a tooltip look
// the same as with the original stylesheets.
const LARGE_CSS = 20_000; // bytes; the small stylesheets are left as they are
const LINK = /<link ([^>]*)rel="stylesheet"([^>]*)\/?>/g;

// A stylesheet without comments as a list of rules: {prelude, body} (body: declarations) or
// {prelude, rules} (@media, @supports), or {text} for at-rules kept verbatim (@charset, @font-face,
// @keyframes).
export function parseCss(css) {
  const rules = [];
  let i = 0;
  while (i < css.length) {
    const start = i;
    let depth = 0;
    let open = -1;
    for (; i < css.length; i++) {
      const c = css[i];
      if (c === '"' || c === "'") i = skipString(css, i);
      else if (c === ";" && depth === 0 && open < 0) break;
      else if (c === "{") {
        if (open < 0) open = i;
        depth++;
      } else if (c === "}" && --depth === 0) break;
    }
    const text = css.slice(start, i + 1).trim();
    i++;
    if (!text) continue;
    if (open < 0) rules.push({ text });
    else {
      const prelude = css.slice(start, open).trim();
      const body = css.slice(open + 1, i - 1);
      if (/^@(media|supports|layer|container)\b/.test(prelude)) rules.push({ prelude, rules: parseCss(body) });
      else if (prelude.startsWith("@")) rules.push({ text });
      else rules.push({ prelude, body });
    }
  }
  return rules;
}

function skipString(css, i) {
  const quote = css[i];
  for (i++; i < css.length && css[i] !== quote; i++) if (css[i] === "\\") i++;
  return i;
}

// The class names a selector requires: those outside :not(..), :is(..) and attribute selectors.
export function requiredClasses(selector) {
  let outer = selector.replace(/\[[^\]]*\]/g, "");
  while (/\([^()]*\)/.test(outer)) outer = outer.replace(/\([^()]*\)/g, "");
  return [...outer.matchAll(/\.(-?[_a-zA-Z][\w-]*)/g)].map((m) => m[1]);
}

// Split a selector list at its top-level commas.
function selectors(prelude) {
  const parts = [];
  let depth = 0;
  let last = 0;
  for (let i = 0; i < prelude.length; i++) {
    if ("([".includes(prelude[i])) depth++;
    else if (")]".includes(prelude[i])) depth--;
    else if (prelude[i] === "," && depth === 0) {
      parts.push(prelude.slice(last, i));
      last = i + 1;
    }
  }
  return [...parts, prelude.slice(last)].map((p) => p.trim());
}

// The stylesheet with only the selectors that pass `keep` (and the at-rules kept verbatim, such as
// @font-face, if `verbatim`), without comments but for the licence notices, /*! .. */.
function filterCss(css, keep, verbatim) {
  const notices = css.match(/\/\*![\s\S]*?\*\//g) || [];
  const filter = (rules) =>
    rules.flatMap((rule) => {
      if (rule.text !== undefined) return verbatim ? [rule.text] : [];
      if (rule.rules) {
        const inner = filter(rule.rules);
        return inner.length ? [`${rule.prelude}{${inner.join("")}}`] : [];
      }
      const kept = selectors(rule.prelude).filter(keep);
      return kept.length ? [`${kept.join(",")}{${rule.body}}`] : [];
    });
  const rules = filter(parseCss(css.replace(/\/\*[\s\S]*?\*\//g, "")));
  return [...notices, rules.join("")].join("\n");
}

const usesOnly = (known) => (selector) => requiredClasses(selector).every((c) => known.has(c));

// The stylesheet without the selectors that require a class missing from `known`.
export function criticalCss(css, known) {
  return filterCss(css, usesOnly(known), true);
}

// What criticalCss leaves out: the selectors that require a class missing from `known`.
export function restCss(css, known) {
  const critical = usesOnly(known);
  return filterCss(css, (selector) => !critical(selector), false);
}

// Every word of the pages' class attributes and of the site's scripts (in files and inline): a class
// named nowhere there is used by nothing while the page loads. Left out: the pages' prose (it says
// "table" and "show"), and libraries whose code names every component they ship (Bootstrap, whose
// classes for menus and tooltips appear on interaction, when the rest is there, and the
// vendored MathJax and widget manager, which the typeset pages do not load).
const LIBRARIES = /(scripts[\/\\]bootstrap\.js|_static[\/\\](vendor|playgrounds)[\/\\])/;
const CLASS_ATTRIBUTE = /\bclass="([^"]*)"/g;
const INLINE_SCRIPT = /<script\b[^>]*>(.*?)<\/script>/gs;

function siteWords(site) {
  const words = new Set();
  const add = (text) => {
    for (const word of text.matchAll(/[\w-]+/g)) words.add(word[0]);
  };
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith(".js") && !LIBRARIES.test(full)) add(fs.readFileSync(full, "utf8"));
      else if (entry.name.endsWith(".html")) {
        const html = fs.readFileSync(full, "utf8");
        for (const match of html.matchAll(CLASS_ATTRIBUTE)) add(match[1]);
        for (const match of html.matchAll(INLINE_SCRIPT)) add(match[1]);
      }
    }
  };
  walk(site);
  return words;
}

function criticalName(href) {
  return href.replace(/\.css(\?|$)/, ".critical.css$1");
}

function restName(href) {
  return href.replace(/\.css(\?|$)/, ".rest.css$1");
}

// Write the critical copy and the rest of each large stylesheet the pages link; returns their paths.
function writeCriticalCss(site) {
  const known = siteWords(site);
  const large = new Set();
  for (const file of fs.readdirSync(path.join(site, "_static"), { recursive: true })) {
    const full = path.join(site, "_static", file);
    if (!file.endsWith(".css") || /\.(critical|rest)\.css$/.test(file) || fs.statSync(full).size < LARGE_CSS) continue;
    if (full.startsWith(path.join(site, BUNDLES))) continue;
    const css = fs.readFileSync(full, "utf8");
    fs.writeFileSync(criticalName(full), criticalCss(css, known));
    fs.writeFileSync(restName(full), restCss(css, known));
    large.add(path.join("_static", file).split(path.sep).join("/"));
  }
  return large;
}

// Each stylesheet that blocks the first paint costs a request, and on a slow phone network a round
// trip (a chapter page linked ten, and theme.css imports an eleventh). The page links two bundles
// instead, at the place of its first blocking stylesheet:
// - a "critical" bundle, which blocks: the critical copy of each large stylesheet and every small one,
//   in the page's order;
// - a "rest" bundle, which does not block: the rest of each large stylesheet, in the page's order.
// Bundles are named by their content's hash, so pages with the same stylesheets share them.
// Stylesheets for another medium (print.css) stay as they were.
const BUNDLES = "_static/bundles";
// An @import (its URL in group 2) or a url() (group 4).
const CSS_REFERENCE = /@import\s+(?:url\(\s*)?(['"]?)([^'")\s;]+)\1\s*\)?\s*;|url\(\s*(['"]?)([^'")]*)\3\s*\)/g;

function isLocal(url) {
  return !/^([a-z][a-z0-9+.-]*:|\/|#)/i.test(url);
}

// A stylesheet's text with its @imports inlined and every relative url() rewritten to be relative to
// `toDir`; `file` is the stylesheet's path relative to the site, without its query.
export function inlineStylesheet(site, file, toDir, fonts = new Map()) {
  const fromDir = path.posix.dirname(file);
  const css = fs
    .readFileSync(path.join(site, file), "utf8")
    .replace(/@charset\s+"[^"]*"\s*;/g, "")
    .replace(/\/\*#\s*sourceMappingURL=[^*]*\*\//g, "");
  return css.replace(CSS_REFERENCE, (rule, _, imported, quote, url) => {
    if (imported) return inlineStylesheet(site, path.posix.join(fromDir, imported.split("?")[0]), toDir, fonts);
    if (!url || !isLocal(url)) return rule;
    const target = path.posix.join(fromDir, url);
    return `url(${quote}${path.posix.relative(toDir, fonts.get(target) ?? target)}${quote})`;
  });
}

// Write `content` under BUNDLES, named by its hash (so that pages share it and browsers may cache it for
// good); returns its site-relative name.
function writeBundleFile(site, content, extension) {
  const name = `${BUNDLES}/${createHash("sha256").update(content).digest("hex").slice(0, 16)}.${extension}`;
  fs.mkdirSync(path.join(site, BUNDLES), { recursive: true });
  fs.writeFileSync(path.join(site, name), content);
  return name;
}

// Pages with the same stylesheets share a bundle: it is written once per run, not once per page.
const bundlesWritten = new Map();

function writeBundle(site, parts, fonts) {
  const key = [site, ...parts].join("\n");
  if (bundlesWritten.has(key)) return bundlesWritten.get(key);
  const css = `@charset "UTF-8";\n` + parts.map((file) => inlineStylesheet(site, file, BUNDLES, fonts)).join("\n");
  const name = writeBundleFile(site, css, "css");
  bundlesWritten.set(key, name);
  return name;
}

// The page's blocking stylesheets: Sphinx's link tags, or those an earlier run kept in the <noscript>
// after the bundles (so that a page Sphinx did not rebuild gets bundles of the current stylesheets).
const BUNDLED = /<link [^>]*data-bundle="critical"[^>]*>.*?<noscript data-bundle="original">(.*?)<\/noscript>/s;

function blockingStylesheets(head, root) {
  const links = [];
  for (const match of head.matchAll(LINK)) {
    const attributes = match[1] + match[2];
    const href = attributes.match(/\bhref="([^"]*)"/);
    if (/\bmedia=/.test(attributes) || !href || !href[1].startsWith(root) || !isLocal(href[1])) continue;
    links.push({ tag: match[0], file: href[1].split("?")[0].slice(root.length) });
  }
  return links;
}

// The page linking the two bundles (written here) in place of its blocking stylesheets, which stay in a
// <noscript> for readers without JavaScript (the rest bundle only loads through its onload).
export function bundleStylesheets(html, root, site, large, fonts) {
  const end = html.indexOf("</head>");
  let head = html.slice(0, end);
  const earlier = head.match(BUNDLED);
  if (earlier) head = head.replace(BUNDLED, earlier[1]);
  const blocking = blockingStylesheets(head, root);
  if (!blocking.length) return html;
  const critical = writeBundle(site, blocking.map(({ file }) => (large.has(file) ? criticalName(file) : file)), fonts);
  const rest = blocking.filter(({ file }) => large.has(file)).map(({ file }) => restName(file));
  const deferred = rest.length ? writeBundle(site, rest, fonts) : null;
  const links =
    `<link rel="stylesheet" href="${root}${critical}" data-bundle="critical" />` +
    (deferred ? `<link rel="stylesheet" href="${root}${deferred}" media="print" onload="this.media='all'" />` : "") +
    `<noscript data-bundle="original">${blocking.map(({ tag }) => tag).join("")}</noscript>`;
  let first = true;
  const out = head.replace(LINK, (tag) => {
    if (!blocking.some((link) => link.tag === tag)) return tag;
    const replacement = first ? links : "";
    first = false;
    return replacement;
  });
  return out + html.slice(end);
}

// ---- 5. icon fonts ---------------------------------------------------------------------------------

// The theme draws its icons (search, menu, theme switch, ...) with the Font Awesome web fonts, and the
// page waits for them (font-display: block). The solid font alone is 156 kB and holds 1,400 icons; the
// site shows 15. Each icon font is cut down to the icons the critical stylesheets draw (the rules whose
// classes a page or script of the site names: see above) and the bundles link that copy, named by its
// hash. A font that holds none of them (the brand icons) shrinks to almost nothing; no page uses it.
const ICON_FAMILY = /font-family:\s*["']?Font Awesome/;
const FONT_FACE = /@font-face\s*\{[^}]*\}/g;
const WOFF2 = /url\(\s*["']?([^"')]*\.woff2)["']?\s*\)/;
const PRIVATE_USE = /"\\([0-9a-fA-F]{4,6})"/g;

// The icons (private-use code points) the critical copies of the large stylesheets draw.
function iconText(site, large) {
  const points = new Set();
  for (const file of large) {
    for (const match of fs.readFileSync(path.join(site, criticalName(file)), "utf8").matchAll(PRIVATE_USE)) {
      const point = parseInt(match[1], 16);
      if (point >= 0xe000 && point <= 0xf8ff) points.add(point);
    }
  }
  return String.fromCodePoint(...[...points].sort((a, b) => a - b));
}

// Write the cut-down icon fonts; returns a map from each font's path to its copy's (site-relative).
async function subsetIconFonts(site, large) {
  const text = iconText(site, large);
  const fonts = new Map();
  if (!text) return fonts;
  const subsetFont = require("subset-font");
  for (const file of large) {
    for (const face of fs.readFileSync(path.join(site, file), "utf8").matchAll(FONT_FACE)) {
      const url = face[0].match(WOFF2);
      if (!ICON_FAMILY.test(face[0]) || !url || !isLocal(url[1])) continue;
      const font = path.posix.join(path.posix.dirname(file), url[1]);
      const original = fs.readFileSync(path.join(site, font));
      const subset = await subsetFont(original, text, { targetFormat: "woff2" });
      fonts.set(font, writeBundleFile(site, subset, "woff2"));
    }
  }
  return fonts;
}

// ---- 6. playground data ----------------------------------------------------------------------------

// A playground's data (base64 of gzip, which does not compress further) is most of a chapter page's
// bytes: 280-410 kB of a page's 320-440 kB compressed. Inline, it must all arrive before the browser
// can show the page. Each playground's data goes to a script file of its own, named by its hash, which
// playground.js loads after the page is shown. A script rather than JSON for fetch(): a page opened from
// disk (file://) may load scripts but not fetch files.
const PG_DATA = /<script type="application\/json" class="pg-data">(.*?)<\/script>/gs;
const PG_DIR = "_static/playgrounds";

// The page with each playground's data in its own file under PG_DIR (written here).
export function moveOutPlaygroundData(html, root, site) {
  return html.replace(PG_DATA, (tag, json) => {
    const name = createHash("sha256").update(json).digest("hex").slice(0, 16);
    const file = path.join(site, PG_DIR, `${name}.js`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    // The data is JSON, which is also a JavaScript expression; "</" stays escaped as in the page.
    fs.writeFileSync(file, `optimPlaygroundData(${JSON.stringify(name)}, ${json});\n`);
    return `<script type="application/json" class="pg-data" data-url="${root}${PG_DIR}/${name}.js"></script>`;
  });
}

// Remove the files under `dir` (playground data, bundles) that no page names any more (an earlier
// build's). A file a kept stylesheet there names (a font) is kept too.
function removeUnused(site, dir, pages) {
  const folder = path.join(site, dir);
  if (!fs.existsSync(folder)) return;
  const names = (text, pattern) => [...text.matchAll(pattern)].map((m) => m[1]);
  const used = new Set(pages.flatMap((file) => names(fs.readFileSync(file, "utf8"), new RegExp(`${dir}/([0-9a-f]{16})\\.`, "g"))));
  for (const file of fs.readdirSync(folder)) {
    if (file.endsWith(".css") && used.has(file.split(".")[0])) {
      for (const name of names(fs.readFileSync(path.join(folder, file), "utf8"), /url\(([0-9a-f]{16})\./g)) used.add(name);
    }
  }
  for (const file of fs.readdirSync(folder)) if (!used.has(file.split(".")[0])) fs.rmSync(path.join(folder, file));
}

// ---- 7. the theme's tab stops ------------------------------------------------------------------------

// When the page has loaded, the theme (pydata-sphinx-theme 0.17) measures every code block, output and
// table to give those that scroll a tab stop. book.css lets the browser skip the layout of sections away
// from the screen (content-visibility); measuring a box there makes the browser lay out its section then
// and there, which for a whole chapter blocked a phone for over half a second. The theme's check now
// passes over the boxes not laid out yet (in a skipped block, or a skipped block itself: its first child
// is then skipped); book/_static/scroll-focus.js checks them when the browser lays them out, or at a
// keyboard user's first Tab. The build stops if the theme's code changed.
const THEME_SCRIPT = "_static/scripts/pydata-sphinx-theme.js";
const THEME_CHECK = ".forEach(e=>{e.tabIndex=e.scrollWidth>e.clientWidth||e.scrollHeight>e.clientHeight?0:-1})";
const LAID_OUT_CHECK = ".forEach(e=>{if(e.checkVisibility&&!(e.firstElementChild||e).checkVisibility({contentVisibilityAuto:!0}))return;e.tabIndex=e.scrollWidth>e.clientWidth||e.scrollHeight>e.clientHeight?0:-1})";

export function patchThemeTabStops(site) {
  const file = path.join(site, THEME_SCRIPT);
  if (!fs.existsSync(file)) return;
  const code = fs.readFileSync(file, "utf8");
  if (code.includes(LAID_OUT_CHECK)) return;
  if (code.split(THEME_CHECK).length !== 2) {
    throw new Error(`${THEME_SCRIPT}: the theme's tab-stop check has changed; see step 7 of ${import.meta.url}`);
  }
  fs.writeFileSync(file, code.replace(THEME_CHECK, LAID_OUT_CHECK));
}

// ---- 8. math fonts ---------------------------------------------------------------------------------

// MathJax draws each character with a web font, and the browser fetches a font only once it lays out
// text that needs it: first MathJax_Zero (first in every formula's font list), then the others, each a
// round trip later. Each font that arrives makes the browser lay out every formula again, which on a
// phone held the page up for 50-180 ms each time (Chromium's trace at 4x CPU). Each MathJax font is cut
// down to the characters the site's formulas draw (woff2, named by its hash; the characters are those of
// the `content` rules in the pages' MathJax stylesheets), and each page preloads the fonts it uses, so
// that they arrive together, early. On chapter 8 (trace, no network throttling) they were requested
// with the stylesheet, before the first layout, and no layout followed a font's arrival; the fonts a
// page preloads weigh 28-48 kB, where it fetched 66 kB or more of the whole fonts before.
const { TeXFont } = require("mathjax-full/js/output/chtml/fonts/tex.js");
const MJX_STYLE = /(<style id="MJX-CHTML-styles">)(.*?)(<\/style>)/s;
const MJX_FONT_FACE =
  /(@font-face \/\* \d+ \*\/ \{[^}]*?font-family: ([\w-]+);[^}]*?src: )url\("[^"]*"\) format\("woff2?"\);/g;
const CSS_CONTENT = /\bcontent: "((?:[^"\\]|\\.)*)"/g;
const CSS_ESCAPE = /\\([0-9a-fA-F]{1,6}) ?|\\(.)/g;
const FONT_PRELOAD = /<link rel="preload" [^>]*data-math-font[^>]*>\n?/g;

// MathJax's font file for each of its font families (MJXTEX-I: MathJax_Math-Italic.woff, ...).
const MATH_FONT_FILES = new Map(
  Object.values(TeXFont.defaultFonts).map((face) => [face["font-family"], face.src.match(/%%URL%%\/([^"]+)"/)[1]]),
);

// The characters of a stylesheet's `content` strings.
export function contentText(css) {
  let text = "";
  for (const match of css.matchAll(CSS_CONTENT)) {
    text += match[1].replace(CSS_ESCAPE, (_, hex, char) => (hex ? String.fromCodePoint(parseInt(hex, 16)) : char));
  }
  return text;
}

// The MathJax font families a page's formulas surely use: MJXZERO (first in every list), MJXTEX (the
// default) and each family of a character class (`.TEX-I` is MJXTEX-I) that a `content` rule names.
// (The parts of a stretchy character, such as a tall bracket, come from the first of several fonts that
// has them; those are not preloaded, since most of them are never fetched.)
export function mathFamilies(css) {
  const families = new Set(["MJXZERO", "MJXTEX"]);
  for (const match of css.matchAll(/^mjx-[^{]*?\.TEX-([A-Z0-9]+)\b[^{]*\{[^}]*\bcontent:/gm)) {
    families.add(`MJXTEX-${match[1]}`);
  }
  return [...families].filter((family) => MATH_FONT_FILES.has(family));
}

// The characters a font (WOFF, WOFF2 or TrueType) has glyphs for.
async function fontCharacters(font) {
  const hb = await import(pathToFileURL(require.resolve("harfbuzzjs")));
  const face = new hb.Face(new hb.Blob(await require("fontverter").convert(font, "truetype")), 0);
  return new Set([...face.collectUnicodes()].map((point) => String.fromCodePoint(point)));
}

// Each MathJax font family's file (site-relative): the font cut down to the characters of every page's
// formulas, or the original font if it has none of them (MathJax_Zero: a font without characters is
// not valid).
async function subsetMathFonts(site, styles) {
  const text = new Set(contentText(styles.join("\n")));
  const fonts = new Map();
  if (!text.size) return fonts;
  const subsetFont = require("subset-font");
  for (const [family, file] of MATH_FONT_FILES) {
    const original = path.join(site, FONTS, file);
    if (!fs.existsSync(original)) continue;
    const font = fs.readFileSync(original);
    const drawn = [...(await fontCharacters(font))].filter((char) => text.has(char));
    if (!drawn.length) {
      fonts.set(family, `${FONTS}/${file}`);
      continue;
    }
    const subset = await subsetFont(font, drawn.join(""), { targetFormat: "woff2" });
    fonts.set(family, writeBundleFile(site, subset, "woff2"));
  }
  return fonts;
}

// The page with its MathJax stylesheet pointing at the cut-down fonts, and a preload for each it uses.
export function linkMathFonts(html, root, fonts) {
  const style = html.match(MJX_STYLE);
  if (!style || !fonts.size) return html;
  const format = (file) => file.split(".").pop();
  const css = style[2].replace(MJX_FONT_FACE, (rule, start, family) =>
    fonts.has(family) ? `${start}url("${root}${fonts.get(family)}") format("${format(fonts.get(family))}");` : rule,
  );
  const preload = (file) =>
    `<link rel="preload" href="${root}${file}" as="font" type="font/${format(file)}" crossorigin data-math-font />` +
    "\n";
  const preloads = mathFamilies(css)
    .filter((family) => fonts.has(family))
    .map((family) => preload(fonts.get(family)))
    .join("");
  return html
    .replace(FONT_PRELOAD, "")
    .replace(MJX_STYLE, () => `${preloads}${style[1]}${css}${style[3]}`);
}

// ---- the site ---------------------------------------------------------------------------------------

function rootOf(file, site) {
  const relative = path.relative(path.dirname(file), site).split(path.sep).join("/");
  return relative ? relative + "/" : "";
}

// Steps 1-3 and 6: what a page needs of itself.
export function processPage(html, file, site) {
  const root = rootOf(file, site);
  const scripts = refreshChecksums(dropSearchScripts(deferScripts(typesetMath(html, root), file), file), file);
  return moveOutPlaygroundData(sizeFigures(scripts, file), root, site);
}

function htmlFiles(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name.startsWith("_") ? [] : htmlFiles(full);
    return entry.name.endsWith(".html") ? [full] : [];
  });
}

// The pages are processed first, so that the classes the stylesheets' critical copies keep are those of
// the finished pages, whether a page is new from Sphinx or was processed by an earlier run.
async function main(site) {
  const pages = htmlFiles(site);
  const before = new Map(pages.map((file) => [file, fs.readFileSync(file, "utf8")]));
  const write = (file, html) => html !== fs.readFileSync(file, "utf8") && fs.writeFileSync(file, html);
  const processed = new Map(pages.map((file) => [file, processPage(before.get(file), file, site)]));
  const mathStyles = [...processed.values()].map((html) => html.match(MJX_STYLE)?.[2] ?? "");
  const mathFonts = await subsetMathFonts(site, mathStyles);
  for (const [file, html] of processed) processed.set(file, linkMathFonts(html, rootOf(file, site), mathFonts));
  for (const [file, html] of processed) write(file, html);
  const large = writeCriticalCss(site);
  const fonts = await subsetIconFonts(site, large);
  let changed = 0;
  for (const file of pages) {
    const html = bundleStylesheets(processed.get(file), rootOf(file, site), site, large, fonts);
    write(file, html);
    if (html !== before.get(file)) changed += 1;
  }
  for (const dir of [PG_DIR, BUNDLES]) removeUnused(site, dir, pages);
  patchThemeTabStops(site);
  console.log(`postprocess_html: changed ${changed} page(s) in ${site}`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  if (process.argv.length !== 3) {
    console.error("usage: node scripts/postprocess_html.mjs SITE_DIR");
    process.exit(2);
  }
  await main(process.argv[2]);
}
