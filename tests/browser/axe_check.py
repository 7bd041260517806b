"""axe-core (npm, pinned in js/package-lock.json) run on a page opened by Playwright."""

from pathlib import Path

import pytest

AXE = Path(__file__).resolve().parents[2] / "js" / "node_modules" / "axe-core" / "axe.min.js"
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]

# Without `only`: the rules axe runs by default, plus every rule of WCAG 2.0, 2.1 and 2.2 at levels A and
# AA that it leaves off by default (target-size) or marks experimental; deprecated rules stay off.
# With `only`: just the rules named there.
RUN = """async ([tags, only]) => {
    const rules = {};
    for (const rule of axe.getRules()) {
        const wanted = rule.tags.some(t => tags.includes(t)) && !rule.tags.includes('deprecated');
        if (wanted) rules[rule.ruleId] = {enabled: true};
    }
    const options = only ? {runOnly: {type: 'rule', values: only}} : {rules};
    const result = await axe.run(document, options);
    return result.violations.map(v => ({rule: v.id, help: v.help, where: v.nodes.map(n => n.target.join(' '))}));
}"""


def axe_violations(page, only=None):
    """axe's violations on the page, as [{rule, help, where}]."""
    if not AXE.is_file():
        pytest.fail(f"{AXE} is missing: run `make book` (scripts/vendor_js.sh runs npm ci in js/)", pytrace=False)
    # book.css lets the browser skip the layout of sections away from the screen (content-visibility) until
    # the reader gets near. axe measures what is laid out (target size, overlap, contrast), so every section
    # is laid out first, as it will be when the reader scrolls to it.
    page.add_style_tag(content=".bd-article section { content-visibility: visible !important; }")
    page.add_script_tag(path=str(AXE))
    return page.evaluate(RUN, [WCAG_AA, only])
