// book.css lets the browser skip laying out the sections away from the screen (content-visibility),
// with a guessed height for each. When a link jumps to a section, the sections beside it are laid out
// on arrival and are often taller than the guess. The browser then keeps the section above in place
// instead of the target, and the target slides down out of sight (by 5,000 px on a phone, chapter 14).
// For a few frames after a jump, this puts the target back where the jump put it.
(() => {
  const FRAMES = 20;

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
  window.addEventListener("load", () => location.hash && holdInPlace(hashTarget()));
})();
