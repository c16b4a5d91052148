// "Jump to latest": for each scroll container marked [data-follow], a
// button that shows while the reader is scrolled away from the bottom and
// takes them back. It lives outside the view root so re-renders leave it be.

const NEAR_BOTTOM_PX = 100;

function distanceFromBottom(el) {
  return el.scrollHeight - el.scrollTop - el.clientHeight;
}

export function installFollow(root) {
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'rill-jump-latest';
  button.textContent = 'Jump to latest ↓';
  button.hidden = true;
  Object.assign(button.style, {
    position: 'fixed', right: '24px', bottom: '96px', zIndex: '10', borderRadius: '16px',
    padding: '4px 12px', cursor: 'pointer',
  });
  document.body.appendChild(button);

  let container = null;
  function update() {
    container = root.querySelector('[data-follow]');
    button.hidden = !container || distanceFromBottom(container) <= NEAR_BOTTOM_PX;
  }
  button.addEventListener('click', () => {
    if (container) container.scrollTop = container.scrollHeight;
    update();
  });
  // Scroll events do not bubble; capture sees them all.
  document.addEventListener('scroll', update, true);
  // Content growing below the fold changes the distance without a scroll.
  new MutationObserver(update).observe(root, { childList: true, subtree: true, characterData: true });
  update();
}
