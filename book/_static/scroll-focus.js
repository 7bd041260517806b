// Display math wider than the column scrolls inside its own box (the theme's CSS).
// Keyboard users must be able to reach and scroll such a box (WCAG 2.1.1), so every box that overflows
// gets a tab stop, as the theme does for code blocks and tables.
//
// A box is checked once its section is laid out, not all at once when the page loads: measuring a box
// far below makes the browser lay out its whole section, which book.css (content-visibility) lets it
// skip until the reader gets near. On a phone, measuring every box at load blocked the page for about a
// quarter of a second (Lighthouse, chapter 7). A keyboard user's first Tab checks every box before the
// focus moves, so Tab never passes over a box that scrolls.
(() => {
  const BOXES = "div.math mjx-container";
  let allChecked = false;

  function updateTabStop(box) {
    if (box.scrollWidth > box.clientWidth || box.scrollHeight > box.clientHeight) box.tabIndex = 0;
    else box.removeAttribute("tabindex");
  }

  // False for a box in a section the browser skips for now (then its section reports when it is shown).
  const laidOut = (box) => !box.checkVisibility || box.checkVisibility({ contentVisibilityAuto: true });

  const checkLaidOut = (root) => root.querySelectorAll(BOXES).forEach((box) => laidOut(box) && updateTabStop(box));

  function checkAll() {
    allChecked = true;
    document.querySelectorAll(BOXES).forEach(updateTabStop);
  }

  document.addEventListener("contentvisibilityautostatechange", (event) => event.skipped || checkLaidOut(event.target), true);

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
