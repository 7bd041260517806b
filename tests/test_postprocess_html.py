"""scripts/postprocess_html.mjs (run by `make book`) on a small site: math typeset at build time
with hidden MathML and the page's configuration, scripts deferred, the search scripts on the search page
only, current ?v= checksums, figure sizes, critical CSS, the stylesheet bundles, the icon font cut down to
the icons shown, MathJax's fonts cut down to the characters drawn, and a second run changes nothing."""

import hashlib
import io
import re
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "postprocess_html.mjs"
MATHJAX = ROOT / "js" / "node_modules" / "mathjax-full"
MATH_FONTS = MATHJAX / "es5" / "output" / "chtml" / "fonts" / "woff-v2"
# The icon font the theme ships (Font Awesome 6, solid).
ICON_FONT = next(ROOT.glob(".venv/lib/python*/site-packages/pydata_sphinx_theme/**/fa-solid-900.woff2"), None)

pytestmark = pytest.mark.skipif(
    shutil.which("node") is None or not MATHJAX.is_dir(),
    reason="needs node and js/node_modules (make book installs them)",
)

PAGE = r"""<!DOCTYPE html>
<html><head>
<script src="../_static/documentation_options.js?v=1"></script>
<script src="../_static/doctools.js?v=1"></script>
<script>DOCUMENTATION_OPTIONS.pagename = 'book/page';</script>
<script>window.MathJax = {"tex": {"macros": {"RR": "\\mathbb{R}"}}, "options": {"processHtmlClass": "math"}}</script>
<script defer="defer" src="../_static/vendor/mathjax/startup.js?v=2"></script>
<link rel="stylesheet" type="text/css" href="../_static/theme.css?v=3" />
<link rel="stylesheet" type="text/css" href="../_static/small.css?v=4" />
<link media="print" rel="stylesheet" type="text/css" href="../_static/print.css?v=5" />
</head><body class="used">
<i class="fa-solid fa-sun"></i>
<p>Inline <span class="math notranslate nohighlight">\(x &lt; \RR\)</span>.</p>
<div class="math notranslate nohighlight" id="equation-e">
<span class="eqno">(1)<a class="headerlink" href="#equation-e">#</a></span>
\[\begin{aligned} a &amp;= b \\ c &amp;= d \end{aligned}\]</div>
<img alt="first" src="../_images/one.png" />
<p><img alt="second" src="../_images/two.png" /></p>
<script type="application/json" class="pg-data">{"x": "\\(not math\\)"}</script>
</body></html>
"""
PLAIN = "<!DOCTYPE html>\n<html><head><title>no math</title></head><body><p>\\(x\\) in prose</p></body></html>\n"
THEME = (
    "/*! licence */ .used{color:red}.unused-thing{color:blue}.used .unused-thing,.used>p{margin:0}"
    ".used:not(.unused-thing){top:0}.dynamic-class{left:0}@font-face{font-family:X;src:url(x.woff)}"
    "@media (min-width:10px){.unused-thing{color:green}.used{color:pink}}@media print{.unused-thing{x:y}}"
    '@font-face{font-display:block;font-family:"Font Awesome 6 Free";font-weight:900;'
    'src:url(fonts/fa.woff2) format("woff2")}.fa-sun:before{content:"\\f185"}.fa-moon:before{content:"\\f186"}'
) + "".join(f".pad-{i}{{color:#{i:06x}}}" for i in range(2000))
SMALL = '@charset "UTF-8";@import "parts/imported.css";.unused-thing{color:blue}/*# sourceMappingURL=small.css.map */'
IMPORTED = ".imp{background:url(bg.png)}.abs{background:url(https://example.org/x.png)}.d{background:url(data:,x)}"


def png(width, height):
    """A valid grey PNG of the given size."""

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def make_site(root: Path, page: str = PAGE) -> Path:
    for folder in ["book", "_static", "_images"]:
        (root / folder).mkdir(parents=True)
    (root / "book" / "page.html").write_text(page)
    (root / "plain.html").write_text(PLAIN)
    (root / "_static" / "documentation_options.js").write_text("const DOCUMENTATION_OPTIONS = {VERSION: '1'};\n")
    (root / "_static" / "app.js").write_text("el.classList.add('dynamic-class');\n")
    (root / "_static" / "theme.css").write_text(THEME)
    (root / "_static" / "small.css").write_text(SMALL)
    (root / "_static" / "parts").mkdir()
    (root / "_static" / "parts" / "imported.css").write_text(IMPORTED)
    (root / "_static" / "print.css").write_text(".used{color:black}")
    (root / "_static" / "fonts").mkdir()
    if ICON_FONT:
        shutil.copy(ICON_FONT, root / "_static" / "fonts" / "fa.woff2")
    (root / "_images" / "one.png").write_bytes(png(30, 20))
    (root / "_images" / "two.png").write_bytes(png(12, 34))
    return root


def postprocess(site: Path) -> subprocess.CompletedProcess:
    return subprocess.run(["node", str(SCRIPT), str(site)], capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    site = make_site(tmp_path_factory.mktemp("site"))
    result = postprocess(site)
    assert result.returncode == 0, result.stderr
    assert "changed 1 page(s)" in result.stdout
    return site


def test_math_is_typeset_with_hidden_mathml_and_no_mathjax_script(site):
    html = (site / "book" / "page.html").read_text()
    assert html.count("<mjx-container") == 2
    assert len(re.findall(r"<mjx-container [^>]*display=\"true\"", html)) == 1
    assert html.count("<mjx-assistive-mml") == 2, "hidden MathML for screen readers"
    assert "<mjx-merror" not in html
    assert "mjx-c3C" in html, "&lt; in the HTML is the TeX `<`"
    assert 'mathvariant="double-struck"' in html, "the macro from the page's MathJax configuration"
    assert "<mtable" in html and "\\begin" not in html and "\\(" not in html
    assert "window.MathJax" not in html and "startup.js" not in html
    assert re.search(r'<span class="eqno">\(1\)<a [^>]*>#</a></span>\s*<mjx-container', html), "numbering kept"
    assert html.count('<style id="MJX-CHTML-styles">') == 1
    assert 'url("../_static/vendor/mathjax/output/chtml/fonts/woff-v2/MathJax_Main-Regular.woff")' in html
    assert html.count("@font-face") == html.count("font-display: swap;") > 1
    (data,) = (site / "_static" / "playgrounds").iterdir()
    assert '{"x": "\\\\(not math\\\\)"}' in data.read_text(), "script contents are left alone"


def test_scripts_are_deferred_in_order(site):
    html = (site / "book" / "page.html").read_text()
    assert '<script defer src="../_static/doctools.js?v=1"></script>' in html
    options = html.index("const DOCUMENTATION_OPTIONS = {VERSION: '1'};")
    assert options < html.index("DOCUMENTATION_OPTIONS.pagename"), "inline, before the script that uses it"
    assert "documentation_options.js" not in html


# The script in PAGE's head after which the tests below add theirs.
PAGENAME = "<script>DOCUMENTATION_OPTIONS.pagename = 'book/page';</script>\n"
SEARCH_SCRIPTS = (
    '<script src="../_static/searchtools.js"></script>\n<script src="../_static/language_data.js"></script>\n'
    '<script src="../searchindex.js"></script>\n'
)


def test_the_search_index_loads_on_the_search_page_only(tmp_path):
    """The theme adds Sphinx's search scripts (with the whole site's index) to every page for its
    search-as-you-type; with that off, only the search page keeps them."""
    options = "<script>DOCUMENTATION_OPTIONS.search_as_you_type = {};</script>\n"
    page = PAGE.replace(PAGENAME, PAGENAME + options.format("false") + SEARCH_SCRIPTS)
    site = make_site(tmp_path, page)
    (site / "search.html").write_text(page.replace("../", ""))
    (site / "book" / "typing.html").write_text(page.replace("= false;", "= true;"))
    assert postprocess(site).returncode == 0
    html = (site / "book" / "page.html").read_text()
    assert "searchtools.js" not in html and "language_data.js" not in html and "searchindex.js" not in html
    assert "doctools.js" in html, "the other scripts stay"
    for kept in [site / "search.html", site / "book" / "typing.html"]:
        html = kept.read_text()
        assert all(name in html for name in ["searchtools.js", "language_data.js", "searchindex.js"]), kept.name


def test_each_local_files_checksum_is_brought_up_to_date(tmp_path):
    """Sphinx links a script as app.js?v=<CRC32 of the file>; a page it did not rebuild keeps the old value.
    Every run sets it from the file as it is now, and leaves other URLs alone."""
    links = (
        '<script src="../_static/app.js?v=00000000"></script>\n'
        '<script src="https://example.org/x.js?v=12345678"></script>\n'
        '<script src="../_static/missing.js?v=abcdef01"></script>\n'
    )
    site = make_site(tmp_path, PAGE.replace(PAGENAME, PAGENAME + links))
    assert postprocess(site).returncode == 0
    expected = f"{zlib.crc32((site / '_static' / 'app.js').read_bytes()):08x}"
    html = (site / "book" / "page.html").read_text()
    assert f'src="../_static/app.js?v={expected}"' in html
    assert 'src="https://example.org/x.js?v=12345678"' in html and 'missing.js?v=abcdef01"' in html
    (site / "_static" / "app.js").write_text("el.classList.add('changed');\n")
    assert postprocess(site).returncode == 0
    changed = f"{zlib.crc32((site / '_static' / 'app.js').read_bytes()):08x}"
    assert changed != expected and f"app.js?v={changed}" in (site / "book" / "page.html").read_text()


def test_figures_get_their_size_and_all_but_the_first_load_lazily(site):
    html = (site / "book" / "page.html").read_text()
    one = re.search(r'<img alt="first"[^>]*>', html).group(0)
    two = re.search(r'<img alt="second"[^>]*>', html).group(0)
    assert 'width="30" height="20"' in one and "loading" not in one
    assert 'width="12" height="34"' in two and 'loading="lazy"' in two
    assert 'style="height: auto"' in one and 'style="height: auto"' in two


def bundles(html):
    """The critical and rest bundles a page links, as paths under _static/bundles."""
    link = r'<link rel="stylesheet" href="\.\./_static/bundles/(\w+\.css)"'
    critical = re.search(link + ' data-bundle="critical" />', html)
    rest = re.search(link + ' media="print" onload', html)
    return critical.group(1), rest.group(1)


def test_large_stylesheets_get_a_critical_copy(site):
    critical = (site / "_static" / "theme.critical.css").read_text()
    assert critical.startswith("/*! licence */")
    assert ".used{color:red}" in critical and "unused-thing{color:blue}" not in critical
    assert ".used>p{margin:0}" in critical and ".used .unused-thing" not in critical
    assert ".used:not(.unused-thing){top:0}" in critical, "a class under :not() is not required"
    assert ".dynamic-class{left:0}" in critical, "classes the site's scripts name are kept"
    assert "@font-face{font-family:X;src:url(x.woff)}" in critical
    assert "@media (min-width:10px){.used{color:pink}}" in critical and "@media print" not in critical
    assert ".pad-1{" not in critical
    assert ".fa-sun:before" in critical and ".fa-moon:before" not in critical
    assert not (site / "_static" / "small.critical.css").exists()


def test_the_rest_of_a_large_stylesheet_is_what_its_critical_copy_leaves_out(site):
    rest = (site / "_static" / "theme.rest.css").read_text()
    assert rest.startswith("/*! licence */")
    assert ".unused-thing{color:blue}" in rest and ".used{color:red}" not in rest
    assert ".used .unused-thing{margin:0}" in rest and ".used>p" not in rest
    assert ".used:not(.unused-thing)" not in rest and ".dynamic-class" not in rest
    assert "@media (min-width:10px){.unused-thing{color:green}}" in rest and "@media print{.unused-thing{x:y}}" in rest
    assert ".pad-1{" in rest and ".fa-moon:before" in rest and ".fa-sun:before" not in rest
    assert "@font-face" not in rest, "at-rules stay in the critical copy alone"
    assert not (site / "_static" / "small.rest.css").exists()


def test_blocking_stylesheets_become_one_bundle_and_the_rest_loads_without_blocking(site):
    html = (site / "book" / "page.html").read_text()
    critical_name, rest_name = bundles(html)
    head = html[: html.index("</head>")]
    outside = re.sub(r"<noscript.*?</noscript>", "", head, flags=re.S)
    blocking = [t for t in re.findall(r"<link [^>]*>", outside) if "stylesheet" in t and "media=" not in t]
    assert blocking == [f'<link rel="stylesheet" href="../_static/bundles/{critical_name}" data-bundle="critical" />']
    assert '<link media="print" rel="stylesheet" type="text/css" href="../_static/print.css?v=5" />' in outside
    assert outside.index(rest_name) < outside.index("print.css"), "the bundles stay where the stylesheets were"
    noscript = re.search(r'<noscript data-bundle="original">(.*?)</noscript>', head, re.S).group(1)
    assert re.findall(r'href="([^"]*)"', noscript) == ["../_static/theme.css?v=3", "../_static/small.css?v=4"]
    css = (site / "_static" / "bundles" / critical_name).read_text()
    assert css.startswith('@charset "UTF-8";\n') and css.count("@charset") == 1
    assert critical_name == hashlib.sha256(css.encode()).hexdigest()[:16] + ".css"
    font = re.search(r"url\((\w+\.woff2)\)", css).group(1)
    theme_css = (site / "_static" / "theme.critical.css").read_text()
    theme_css = theme_css.replace("url(x.woff)", "url(../x.woff)").replace("url(fonts/fa.woff2)", f"url({font})")
    assert theme_css in css, "the theme's rules in their order, URLs relative to the bundle"
    imported = css.index(".imp{background:url(../parts/bg.png)}")
    assert css.index(".used{color:red}") < imported < css.index(".unused-thing{color:blue}", imported)
    assert "url(https://example.org/x.png)" in css and "url(data:,x)" in css, "other URLs are left alone"
    assert "sourceMappingURL" not in css and "@import" not in css
    rest = (site / "_static" / "bundles" / rest_name).read_text()
    assert rest_name == hashlib.sha256(rest.encode()).hexdigest()[:16] + ".css"
    theme_rest = (site / "_static" / "theme.rest.css").read_text()
    assert rest == '@charset "UTF-8";\n' + theme_rest, "the small stylesheets are in the critical bundle alone"
    assert ".pad-1{" in rest and ".pad-1{" not in css


def test_a_page_sphinx_did_not_rebuild_gets_bundles_of_the_current_stylesheets(tmp_path):
    site = make_site(tmp_path)
    assert postprocess(site).returncode == 0
    old = bundles((site / "book" / "page.html").read_text())
    (site / "_static" / "small.css").write_text(".changed{color:teal}")
    assert postprocess(site).returncode == 0
    html = (site / "book" / "page.html").read_text()
    new = bundles(html)
    assert ".changed{color:teal}" in (site / "_static" / "bundles" / new[0]).read_text(), "the critical bundle"
    assert not (site / "_static" / "bundles" / old[0]).exists(), "unused bundles are removed"
    assert new[1] == old[1], "the rest bundle holds none of small.css"
    assert html.count('data-bundle="original"') == 1 and html.count("small.css") == 1


def font_code_points(font: Path) -> set[int]:
    """The characters a WOFF2 font has glyphs for (converted to TrueType by the npm package fontverter,
    since fontTools needs brotli to read WOFF2)."""
    ttlib = pytest.importorskip("fontTools.ttLib")
    convert = (
        "const fv = require('fontverter'); const fs = require('fs');"
        f"fv.convert(fs.readFileSync({str(font)!r}), 'truetype').then(b => process.stdout.write(b.toString('base64')))"
    )
    out = subprocess.run(["node", "-e", convert], cwd=ROOT / "js", capture_output=True, text=True, check=True)
    import base64

    return set(ttlib.TTFont(io.BytesIO(base64.b64decode(out.stdout))).getBestCmap())


@pytest.mark.skipif(ICON_FONT is None, reason="needs pydata-sphinx-theme's Font Awesome font (make install)")
def test_the_icon_font_holds_only_the_icons_the_site_shows(site):
    critical = bundles((site / "book" / "page.html").read_text())[0]
    font = re.search(r"url\((\w+\.woff2)\)", (site / "_static" / "bundles" / critical).read_text())
    subset = site / "_static" / "bundles" / font.group(1)
    assert font_code_points(subset) == {0xF185}, "the sun the page shows; not the moon it does not"
    assert 0xF186 in font_code_points(site / "_static" / "fonts" / "fa.woff2")
    assert subset.stat().st_size < (site / "_static" / "fonts" / "fa.woff2").stat().st_size / 20


@pytest.mark.skipif(not MATH_FONTS.is_dir(), reason="needs mathjax-full's fonts (make install)")
def test_mathjax_fonts_hold_only_the_characters_the_formulas_draw(tmp_path):
    site = make_site(tmp_path)
    shutil.copytree(MATH_FONTS, site / "_static" / "vendor" / "mathjax" / "output" / "chtml" / "fonts" / "woff-v2")
    assert postprocess(site).returncode == 0
    html = (site / "book" / "page.html").read_text()
    faces = dict(re.findall(r'font-family: ([\w-]+);\s*src: url\("\.\./([^"]+)"\)', html))
    assert faces["MJXZERO"].endswith("/MathJax_Zero.woff"), "none of its characters is drawn: kept whole"
    assert re.fullmatch(r"_static/bundles/[0-9a-f]{16}\.woff2", faces["MJXTEX-I"])
    unescape = re.compile(r"\\([0-9A-Fa-f]{1,6}) ?|\\(.)|(.)")
    drawn = {
        int(code, 16) if code else ord(escaped or char)
        for text in re.findall(r'content: "((?:[^"\\]|\\.)*)"', html)
        for code, escaped, char in unescape.findall(text)
    }
    assert {ord("x"), ord("<"), ord("=")} <= drawn
    for family, original in [("MJXTEX", "MathJax_Main-Regular.woff"), ("MJXTEX-I", "MathJax_Math-Italic.woff")]:
        subset, whole = site / faces[family], MATH_FONTS / original
        # harfbuzz also keeps a drawn character's mirror image (">" for "<"), for right-to-left text
        assert font_code_points(whole) & drawn <= font_code_points(subset), family
        assert subset.stat().st_size < whole.stat().st_size / 4
    italic = font_code_points(site / faces["MJXTEX-I"])
    assert ord("x") in italic and ord("y") not in italic
    preloads = re.findall(r'<link rel="preload" href="\.\./([^"]+)" as="font" type="font/(woff2?)" crossorigin', html)
    assert {file for file, _ in preloads} == {faces[f] for f in ["MJXZERO", "MJXTEX", "MJXTEX-I", "MJXTEX-A"]}
    assert all(file.endswith("." + kind) for file, kind in preloads)
    before = {p: p.read_bytes() for p in site.rglob("*") if p.is_file()}
    assert "changed 0 page(s)" in postprocess(site).stdout
    assert {p: p.read_bytes() for p in site.rglob("*") if p.is_file()} == before


def test_pages_without_math_and_a_second_run_are_left_alone(site):
    assert (site / "plain.html").read_text() == PLAIN
    before = {p: p.read_bytes() for p in site.rglob("*") if p.is_file()}
    result = postprocess(site)
    assert result.returncode == 0 and "changed 0 page(s)" in result.stdout
    assert {p: p.read_bytes() for p in site.rglob("*") if p.is_file()} == before


def test_a_tex_error_fails_the_build(tmp_path):
    site = make_site(tmp_path, PAGE.replace(r"\(x &lt; \RR\)", r"\(\frac{1}\)"))
    result = postprocess(site)
    assert result.returncode != 0
    assert "TeX errors" in result.stderr and "\\frac{1}" in result.stderr


def test_playground_data_moves_to_a_script_named_by_its_hash(site):
    html = (site / "book" / "page.html").read_text()
    (data,) = (site / "_static" / "playgrounds").iterdir()
    tag = f'<script type="application/json" class="pg-data" data-url="../_static/playgrounds/{data.name}"></script>'
    assert tag in html
    assert data.read_text() == f'optimPlaygroundData("{data.stem}", {{"x": "\\\\(not math\\\\)"}});\n'
    assert data.stem == hashlib.sha256(b'{"x": "\\\\(not math\\\\)"}').hexdigest()[:16]


def test_data_no_page_refers_to_is_removed(tmp_path):
    site = make_site(tmp_path)
    stale = site / "_static" / "playgrounds" / "0123456789abcdef.js"
    stale.parent.mkdir()
    stale.write_text("optimPlaygroundData('0123456789abcdef', {});\n")
    assert postprocess(site).returncode == 0
    assert [p.name for p in stale.parent.iterdir()] != [] and not stale.exists()


THEME_CHECK = ".forEach(e=>{e.tabIndex=e.scrollWidth>e.clientWidth||e.scrollHeight>e.clientHeight?0:-1})"


def test_the_themes_tab_stop_check_passes_over_sections_not_laid_out(tmp_path):
    site = make_site(tmp_path)
    script = site / "_static" / "scripts" / "pydata-sphinx-theme.js"
    script.parent.mkdir()
    script.write_text(f"function I(){{document.querySelectorAll('pre'){THEME_CHECK}}}")
    assert postprocess(site).returncode == 0
    patched = script.read_text()
    assert THEME_CHECK not in patched
    skip = "if(e.checkVisibility&&!(e.firstElementChild||e).checkVisibility({contentVisibilityAuto:!0}))return;"
    assert skip in patched
    subprocess.run(["node", "--check", str(script)], check=True)
    assert postprocess(site).returncode == 0 and script.read_text() == patched, "a second run changes nothing"


def test_a_change_in_the_themes_script_stops_the_build(tmp_path):
    site = make_site(tmp_path)
    script = site / "_static" / "scripts" / "pydata-sphinx-theme.js"
    script.parent.mkdir()
    script.write_text("function I(){document.querySelectorAll('pre').forEach(e=>{e.tabIndex=0})}")
    result = postprocess(site)
    assert result.returncode != 0 and "tab-stop check has changed" in result.stderr
