// A box whose content is wider than the column scrolls sideways (display math, code, outputs, tables).
// Keyboard users must be able to reach and scroll such a box (WCAG 2.1.1), so every box that scrolls
// gets a tab stop. The theme does this for code, outputs and tables at load, on resize and when the page
// changes; this script adds display math, and both leave alone the boxes in sections the browser has
// not laid out yet.
//
// Why: book.css (content-visibility) lets the browser skip the layout of sections away from the screen
// until the reader gets near. Measuring a box there makes the browser lay out its whole section; on a
// phone, measuring every box at load blocked the page for over half a second (the theme's check, traced
// in Chromium with the CPU slowed 4x, chapter 7). So scripts/postprocess_html.mjs makes the theme's
// check pass over those boxes, and this script checks a section's boxes when the browser lays it out.
// A keyboard user's first Tab checks every box before the focus moves, so Tab never passes over a box
// that scrolls. Code in a hidden cell is checked when the reader opens the cell.
(() => {
  // Each kind of box, and what it gets when it does not scroll (the theme's choice for its own boxes).
  const KINDS = [
    { boxes: "div.math mjx-container", otherwise: null },
    {
      boxes: "pre, .nboutput > .output_area, .cell_output > .output, .jp-RenderedHTMLCommon, .pst-scrollable-table-container",
      otherwise: -1,
    },
  ];
  let allChecked = false;

  // All boxes are measured first and changed after: a change between two measurements would make the
  // browser lay the page out again for the second one.
  function updateTabStops(root, keep) {
    const within = (boxes) => [...(root.matches && root.matches(boxes) ? [root] : []), ...root.querySelectorAll(boxes)];
    const found = KINDS.flatMap(({ boxes, otherwise }) =>
      within(boxes).filter(keep).map((box) => ({ box, otherwise })),
    );
    const scrolls = found.map(({ box }) => box.scrollWidth > box.clientWidth || box.scrollHeight > box.clientHeight);
    found.forEach(({ box, otherwise }, i) => {
      if (scrolls[i]) box.tabIndex = 0;
      else if (otherwise === null) box.removeAttribute("tabindex");
      else box.tabIndex = otherwise;
    });
  }

  // False for a box the browser has not laid out yet, in a skipped block or a skipped block itself (its
  // first child is then skipped): the block reports when it is laid out.
  const laidOut = (box) =>
    !box.checkVisibility || (box.firstElementChild || box).checkVisibility({ contentVisibilityAuto: true });
  const checkLaidOut = (root) => updateTabStops(root, laidOut);

  function checkAll() {
    allChecked = true;
    document.dispatchEvent(new Event("layoutall")); // section-layout.js lays out every block now
    updateTabStops(document, () => true);
  }

  document.addEventListener("contentvisibilityautostatechange", (event) => event.skipped || checkLaidOut(event.target), true);
  // section-layout.js lays out the other sections while the browser is idle.
  document.addEventListener("sectionlaidout", (event) => checkLaidOut(event.target));
  // A hidden code cell's source is shown when the reader opens it.
  document.addEventListener("toggle", (event) => event.target.open && checkLaidOut(event.target), true);

  window.addEventListener(
    "keydown",
    (event) => {
      if (event.key === "Tab" && !allChecked) checkAll();
    },
    true,
  );

  let pending = null;
  window.addEventListener("resize", () => {
    clearTimeout(pending);
    pending = setTimeout(() => (allChecked ? checkAll() : checkLaidOut(document)), 150);
  });

  window.addEventListener("load", () => {
    // When MathJax typesets in the browser (a build without scripts/postprocess_html.mjs), wait for it.
    const typeset = window.MathJax && MathJax.startup && MathJax.startup.promise;
    (typeset || Promise.resolve()).then(() => checkLaidOut(document));
  });
})();
