// book.css lets the browser put off laying out the blocks of a chapter's sections (content-visibility),
// so that a phone shows the page and answers the reader sooner. This script does two things that this
// needs.
//
// 1. It lays the blocks out while the browser is idle, from the top down, in tasks of at most 8 ms.
//    Until a block is laid out, Chromium leaves it out of the accessibility tree, so a screen reader
//    would not find its headings (tests/browser/test_site.py checks that every heading is there once
//    this has run). Short tasks mean a tap or a key press never waits long.
// 2. When a link jumps to a section, the blocks beside it are laid out on arrival and are often taller
//    than the browser's guess. The browser may then keep the block above in place instead of the target,
//    and the target slides out of sight (by 5,000 px on a phone, chapter 14, before this fix). For a few
//    frames after a jump, the target is put back where the jump put it.
(() => {
  const BLOCKS = ".bd-article > section section > :not(section)";
  const FRAMES = 20;
  // Each idle task lays out blocks for at most this long, so that it never holds up a tap or a key for
  // long, even on a phone 4x slower than this machine (a task over 50 ms counts as blocking).
  const BUDGET_MS = 8;

  const idle = window.requestIdleCallback || ((task) => setTimeout(task, 50));

  function layOutSome(waiting) {
    const start = performance.now();
    while (waiting.length && performance.now() - start < BUDGET_MS) {
      const block = waiting.shift();
      if (block.classList.contains("laid-out")) continue;
      block.classList.add("laid-out");
      void block.offsetHeight; // laid out now, inside this task's budget
      block.dispatchEvent(new CustomEvent("sectionlaidout", { bubbles: true }));
    }
    if (waiting.length) idle(() => layOutSome(waiting), { timeout: 2000 });
  }

  function holdInPlace(id) {
    const target = document.getElementById(id);
    if (!target) return;
    const top = target.getBoundingClientRect().top;
    let frames = 0;
    const check = () => {
      const moved = target.getBoundingClientRect().top - top;
      if (Math.abs(moved) >= 1) window.scrollBy(0, moved);
      if (++frames < FRAMES) requestAnimationFrame(check);
    };
    requestAnimationFrame(check);
  }

  const hashTarget = () => decodeURIComponent(location.hash.slice(1));
  window.addEventListener("hashchange", () => holdInPlace(hashTarget()));
  // A link to the section already in the address bar jumps without a hashchange.
  document.addEventListener("click", (event) => {
    const link = event.target.closest && event.target.closest("a[href^='#']");
    if (link && link.hash === location.hash) requestAnimationFrame(() => holdInPlace(hashTarget()));
  });
  window.addEventListener("load", () => {
    if (location.hash) holdInPlace(hashTarget());
    idle(() => layOutSome([...document.querySelectorAll(BLOCKS)]), { timeout: 2000 });
  });
  // scroll-focus.js, at a keyboard user's first Tab: every block at once, so that every box can be measured.
  document.addEventListener("layoutall", () => {
    for (const block of document.querySelectorAll(BLOCKS)) block.classList.add("laid-out");
  });
})();
