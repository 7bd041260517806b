// Display math wider than the column scrolls inside its own box (the theme's CSS).
// Keyboard users must be able to reach and scroll such a box (WCAG 2.1.1), so every box that overflows
// gets a tab stop, as the theme does for code blocks and tables. Checked again when the window is
// resized, and once MathJax has typeset the page (when MathJax runs in the browser).
(() => {
  const BOXES = "div.math mjx-container";

  function updateTabStops() {
    for (const box of document.querySelectorAll(BOXES)) {
      if (box.scrollWidth > box.clientWidth || box.scrollHeight > box.clientHeight) box.tabIndex = 0;
      else box.removeAttribute("tabindex");
    }
  }

  let pending = null;
  window.addEventListener("resize", () => {
    clearTimeout(pending);
    pending = setTimeout(updateTabStops, 150);
  });
  window.addEventListener("load", () => {
    const typeset = window.MathJax && MathJax.startup && MathJax.startup.promise;
    (typeset || Promise.resolve()).then(updateTabStops);
  });
})();
