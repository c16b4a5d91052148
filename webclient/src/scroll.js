// Auto-scroll for stream targets: follow the bottom only when the reader was
// already there, so someone who scrolled up to read keeps their place.

export const NEAR_BOTTOM_PX = 100;

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

export function isNearBottom(container) {
  return container.scrollHeight - container.scrollTop - container.clientHeight <= NEAR_BOTTOM_PX;
}

// Remembers, for each container seen, whether it was near its bottom when
// first measured: call measure() for every target before the update and
// settle() after it.
export class ScrollKeeper {
  constructor() {
    this.wasNear = new Map();
  }

  measure(target) {
    if (!target || !target.isConnected) return;
    const container = scrollContainerOf(target);
    if (!this.wasNear.has(container)) this.wasNear.set(container, isNearBottom(container));
  }

  settle() {
    for (const [container, near] of this.wasNear) {
      if (near && container.isConnected) container.scrollTop = container.scrollHeight;
    }
    this.wasNear.clear();
  }
}
