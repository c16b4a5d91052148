// Auto-scroll for stream targets and [data-follow] containers: a container
// follows its bottom until the reader scrolls it up, and from then on keeps
// the reader's place until they come back to the bottom.
//
// - A container first seen within NEAR_BOTTOM_PX of its bottom follows; one
//   further up does not.
// - Any upward scroll the client did not make itself (wheel, touch drag,
//   PageUp/ArrowUp/Home, a scrollbar drag, page code) stops following at
//   once, however small: the wheel, touch, key and scrollbar cases are seen
//   as they start, before any frame could pull the reader back down.
// - Following resumes when the reader reaches the bottom again (within
//   AT_BOTTOM_PX) or when follow() is called ("jump to latest", a submit).

export const NEAR_BOTTOM_PX = 100;
export const AT_BOTTOM_PX = 4;

function scrolls(el) {
  const overflowY = getComputedStyle(el).overflowY;
  return overflowY === 'auto' || overflowY === 'scroll';
}

// The nearest element, the target included, that scrolls on the y axis;
// else the document's scrolling element.
export function scrollContainerOf(target) {
  const doc = target.ownerDocument;
  for (let el = target; el && el !== doc.documentElement && el !== doc.body; el = el.parentElement) {
    if (scrolls(el)) return el;
  }
  return doc.scrollingElement || doc.documentElement;
}

export function distanceFromBottom(container) {
  return container.scrollHeight - container.scrollTop - container.clientHeight;
}

export function isNearBottom(container) {
  return distanceFromBottom(container) <= NEAR_BOTTOM_PX;
}

// container -> { following, top }: what the client knows of each container.
const states = new WeakMap();

// Brings a container's state up to date with where it is now: a move up
// since it was last seen that leaves it above its bottom was the reader's
// (or the page's) doing; being at the bottom means following.
function check(container) {
  const top = container.scrollTop;
  const distance = distanceFromBottom(container);
  let state = states.get(container);
  if (!state) {
    state = { following: distance <= NEAR_BOTTOM_PX, top };
    states.set(container, state);
  } else if (distance <= AT_BOTTOM_PX) {
    state.following = true;
  } else if (top < state.top) {
    state.following = false;
  }
  state.top = top;
  return state;
}

export function isFollowing(container) {
  return check(container).following;
}

function detach(container) {
  check(container).following = false;
}

// Follows again, from the bottom.
export function follow(container) {
  container.scrollTop = container.scrollHeight;
  const state = check(container);
  state.following = true;
  state.top = container.scrollTop;
}

// The containers an input event at `target` could scroll up: every
// scrollable ancestor not already at its top, the page included.
function upwardContainers(target) {
  const doc = target.ownerDocument || document;
  const found = [];
  for (let el = target instanceof Element ? target : null; el && el !== doc.documentElement && el !== doc.body;
    el = el.parentElement) {
    if (el.scrollTop > 0 && scrolls(el)) found.push(el);
  }
  const page = doc.scrollingElement;
  if (page && page.scrollTop > 0) found.push(page);
  return found;
}

const SCROLL_UP_KEYS = new Set(['PageUp', 'ArrowUp', 'Home']);

function editable(el) {
  return el instanceof Element && (el.isContentEditable || /^(input|textarea|select)$/i.test(el.localName));
}

// Watches the reader's scrolling in `doc`; once per document.
export function installScrollIntent(doc = document) {
  if (doc.__rillScrollIntent) return;
  doc.__rillScrollIntent = true;
  const opts = { capture: true, passive: true };
  doc.addEventListener('wheel', (event) => {
    if (event.deltaY < 0) upwardContainers(event.target).forEach(detach);
  }, opts);
  let touchY = null;
  doc.addEventListener('touchstart', (event) => {
    touchY = event.touches.length === 1 ? event.touches[0].clientY : null;
  }, opts);
  doc.addEventListener('touchmove', (event) => {
    // A finger moving down drags the content down: scrolling up.
    if (touchY !== null && event.touches.length === 1 && event.touches[0].clientY > touchY) {
      upwardContainers(event.target).forEach(detach);
    }
  }, opts);
  doc.addEventListener('keydown', (event) => {
    const up = SCROLL_UP_KEYS.has(event.key) || (event.key === ' ' && event.shiftKey);
    if (up && !editable(event.target)) upwardContainers(event.target).forEach(detach);
    // With the focus on the page itself the key scrolls whichever container
    // the browser picks: the scroll it makes is seen below.
  }, true);
  doc.addEventListener('pointerdown', (event) => {
    // On a container's own scrollbar: the reader takes over.
    const el = event.target;
    if (el instanceof Element && el.clientWidth > 0 && event.offsetX >= el.clientWidth && scrolls(el)) detach(el);
  }, true);
  doc.addEventListener('scroll', (event) => {
    const el = event.target === doc ? doc.scrollingElement : event.target;
    if (el instanceof Element && states.has(el)) check(el);
  }, opts);
}

// Measures every container a batch of frames may grow (call measure() for
// each target, or watch() for a container, before the update) and brings
// those still following to their bottom after it (settle()).
export class ScrollKeeper {
  constructor() {
    this.containers = new Set();
  }

  measure(target) {
    if (!target || !target.isConnected) return;
    this.watch(scrollContainerOf(target));
  }

  watch(container) {
    if (!container || this.containers.has(container)) return;
    check(container);
    this.containers.add(container);
  }

  settle() {
    for (const container of this.containers) {
      if (container.isConnected && states.get(container).following) follow(container);
    }
    this.containers.clear();
  }
}
