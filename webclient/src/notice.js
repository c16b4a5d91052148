// A notice at the top of the page, outside the view root (re-renders never
// touch it): what the page must tell its reader about the connection, with
// optional buttons. One at a time; a new one replaces the old.

const NOTICE_CLASS = 'rill-notice';

export function showNotice(doc, text, actions = []) {
  hideNotice(doc);
  const box = doc.createElement('div');
  box.className = NOTICE_CLASS;
  box.setAttribute('role', 'status');
  box.setAttribute('aria-live', 'polite');
  const message = doc.createElement('span');
  message.textContent = text;
  box.appendChild(message);
  for (const { label, run } of actions) {
    const button = doc.createElement('button');
    button.type = 'button';
    button.textContent = label;
    button.addEventListener('click', run);
    box.appendChild(button);
  }
  doc.body.prepend(box);
  return box;
}

export function hideNotice(doc) {
  for (const old of doc.querySelectorAll('.' + NOTICE_CLASS)) old.remove();
}
