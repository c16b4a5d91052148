// "Jump to latest": for each scroll container marked [data-follow], a
// button that shows while the container is not following its bottom (the
// reader scrolled up, see scroll.js) and takes the reader back down, where
// following resumes. It lives outside the view root so re-renders leave it
// be; rill.css places it (class rill-jump-latest), the page may restyle it.

import { AT_BOTTOM_PX, distanceFromBottom, follow, isFollowing } from './scroll.js';

export function installFollow(root) {
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'rill-jump-latest';
  button.textContent = 'Jump to latest ↓';
  button.hidden = true;
  document.body.appendChild(button);

  let container = null;
  function update() {
    container = root.querySelector('[data-follow]');
    button.hidden = !container || isFollowing(container) || distanceFromBottom(container) <= AT_BOTTOM_PX;
  }
  button.addEventListener('click', () => {
    if (container) follow(container);
    update();
  });
  // Scroll events do not bubble; capture sees them all.
  document.addEventListener('scroll', update, true);
  // Content growing below the fold changes the distance without a scroll.
  new MutationObserver(update).observe(root, { childList: true, subtree: true, characterData: true });
  update();
}
