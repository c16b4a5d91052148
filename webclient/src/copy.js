// Copy buttons. [data-copy="SELECTOR"] copies the text of the element the
// selector matches; [data-copy-code] copies the <pre> right after it (a code
// block). Delegated from the root, so re-rendered buttons keep working.

async function writeClipboard(text) {
  if (navigator.clipboard && window.isSecureContext) {
    await navigator.clipboard.writeText(text);
    return;
  }
  // Plain http from another machine is not a secure context: no Clipboard
  // API there, but a selected textarea and execCommand still work.
  const area = document.createElement('textarea');
  area.value = text;
  area.setAttribute('readonly', '');
  area.style.position = 'fixed';
  area.style.opacity = '0';
  document.body.appendChild(area);
  area.select();
  document.execCommand('copy');
  area.remove();
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
  return source ? source.innerText : null;
}

export function installCopy(root) {
  root.addEventListener('click', (event) => {
    const button = event.target.closest && event.target.closest('[data-copy], [data-copy-code]');
    if (!button || !root.contains(button)) return;
    const text = textFor(button, root);
    if (text === null) return;
    writeClipboard(text).then(
      () => button.dispatchEvent(new CustomEvent('rill:copied', { bubbles: true, detail: { text } })),
      () => {});
  });
}
