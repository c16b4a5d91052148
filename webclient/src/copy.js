// Copy buttons. [data-copy="SELECTOR"] copies the text of the element the
// selector matches; [data-copy-code] copies the <pre> right after it (a code
// block). Delegated from the root, so re-rendered buttons keep working.
//
// A copy that worked fires rill:copied {text} on the button and says so on
// it for FEEDBACK_MS: data-rill-copied on the button and "Copied" in place
// of its label (its [data-copy-label] child if it has one, else its text);
// one that failed says "Copy failed" the same way (data-rill-copy-failed).

export const FEEDBACK_MS = 1500;

async function writeClipboard(text) {
  if (navigator.clipboard && window.isSecureContext) {
    try {
      await navigator.clipboard.writeText(text);
      return;
    } catch (e) {
      // Refused (an embedding that keeps the Clipboard API from pages, a
      // page without focus): the old way below may still be allowed.
    }
  }
  // Plain http from another machine is not a secure context: no Clipboard
  // API there, but a selected textarea and execCommand still work.
  const active = document.activeElement;
  const area = document.createElement('textarea');
  area.value = text;
  area.setAttribute('readonly', '');
  area.style.position = 'fixed';
  area.style.opacity = '0';
  document.body.appendChild(area);
  area.select();
  const ok = document.execCommand('copy');
  area.remove();
  if (active && active !== document.body && active.focus) active.focus({ preventScroll: true });
  if (!ok) throw new Error('copy refused');
}

// button -> { timer, text }: the label to put back (kept here, not in the
// DOM, where a re-render may change it meanwhile).
const shown = new WeakMap();

function labelOf(button) {
  return button.querySelector('[data-copy-label]') || button;
}

function showFeedback(button, ok) {
  const label = labelOf(button);
  const previous = shown.get(button);
  if (previous) clearTimeout(previous.timer);
  const text = previous ? previous.text : label.textContent;
  button.toggleAttribute('data-rill-copied', ok);
  button.toggleAttribute('data-rill-copy-failed', !ok);
  label.textContent = ok ? 'Copied' : 'Copy failed';
  const timer = setTimeout(() => {
    shown.delete(button);
    const now = labelOf(button);
    if (now.textContent === 'Copied' || now.textContent === 'Copy failed') now.textContent = text;
    button.removeAttribute('data-rill-copied');
    button.removeAttribute('data-rill-copy-failed');
  }, FEEDBACK_MS);
  shown.set(button, { timer, text });
}

function textFor(button, root) {
  if (button.hasAttribute('data-copy-code')) {
    const pre = button.nextElementSibling;
    return pre && pre.tagName === 'PRE' ? pre.textContent : null;
  }
  let source = null;
  try {
    source = root.querySelector(button.getAttribute('data-copy'));
  } catch (e) {
    return null; // a malformed selector copies nothing
  }
  return source ? visibleText(source) : null;
}

// What the reader sees of `element` as text, without the buttons inside it
// (a code block's own Copy): hidden for the moment it is read, no paint between.
function visibleText(element) {
  const buttons = Array.from(element.querySelectorAll('button'));
  const displays = buttons.map((b) => b.style.display);
  for (const b of buttons) b.style.display = 'none';
  try {
    return element.innerText;
  } finally {
    buttons.forEach((b, i) => { b.style.display = displays[i]; });
  }
}

export function installCopy(root) {
  root.addEventListener('click', (event) => {
    const button = event.target.closest && event.target.closest('[data-copy], [data-copy-code]');
    if (!button || !root.contains(button)) return;
    const text = textFor(button, root);
    if (text === null) return;
    writeClipboard(text).then(
      () => {
        showFeedback(button, true);
        button.dispatchEvent(new CustomEvent('rill:copied', { bubbles: true, detail: { text } }));
      },
      () => showFeedback(button, false));
  });
}
