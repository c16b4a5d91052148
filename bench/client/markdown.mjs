// The markdown scenario's server side, in node: a deterministic LLM-shaped
// Markdown answer, its tokens, a JS port of rill-chat's block rule
// (app/markdown/include/rill/markdownstream.h, simplified) and a tiny
// Markdown -> HTML renderer. Correct Markdown is not the point; the DOM shape
// rill-chat produces is: one element per block (p, h2/h3, ul/ol of li, code
// blocks wrapped as ChatView::withCodeCopyButtons does), inline strong/code.
//
// Every top-level block element carries data-pos = the answer's length in
// source characters up to the end of that block (for the open block: up to
// what was sent). The probe reads the last one to know how much of the
// answer a frame applied, in O(1) and the same way for both clients; an
// attribute changes neither layout nor text.

function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    return s / 4294967296;
  };
}

// A Markdown document of at least `chars` characters: mostly paragraphs of
// 200-700 characters, with headings, bullet and numbered lists and fenced
// code blocks (some with a blank line inside) between them.
export function makeMarkdown(chars, seed = 0x1badf00d) {
  const rand = rng(seed);
  const int = (lo, hi) => lo + Math.floor(rand() * (hi - lo + 1));
  const letters = 'etaoinshrdlucmfwypvbgkqjxz';
  const word = () => {
    let s = '';
    const n = int(2, 9);
    for (let i = 0; i < n; i++) s += letters[Math.floor(Math.pow(rand(), 1.7) * letters.length)];
    return s;
  };
  const sentence = (len) => {
    let s = '';
    while (s.length < len) {
      let w = word();
      const r = rand();
      if (r < 0.03) w = '**' + w + ' ' + word() + '**';
      else if (r < 0.06) w = '`' + w + '()`';
      s += (s ? ' ' : '') + w;
      if (rand() < 0.07) s += rand() < 0.5 ? ',' : '.';
    }
    return s[0].toUpperCase() + s.slice(1) + '.';
  };
  const paragraph = () => {
    const len = int(200, 700);
    let s = '';
    while (s.length < len) s += (s ? ' ' : '') + sentence(int(40, 140));
    return s;
  };
  const list = () => {
    const ordered = rand() < 0.35;
    const items = [];
    for (let i = 0, n = int(3, 7); i < n; i++) items.push((ordered ? `${i + 1}. ` : '- ') + sentence(int(30, 120)));
    return items.join('\n');
  };
  const code = () => {
    const lang = ['js', 'python', 'cpp', 'bash'][int(0, 3)];
    const lines = [];
    let indent = 0;
    for (let i = 0, n = int(5, 25); i < n; i++) {
      if (rand() < 0.08 && i > 0 && i < n - 1) { lines.push(''); continue; }
      const r = rand();
      let l;
      if (r < 0.3) l = `const ${word()} = ${word()}(${word()}, ${int(0, 99)});`;
      else if (r < 0.5) l = `if (${word()}.${word()} > ${int(1, 9)}) {`;
      else if (r < 0.6 && indent) l = '}';
      else if (r < 0.75) l = `// ${sentence(int(20, 50))}`;
      else l = `return ${word()}.${word()}("${word()}") + ${int(0, 999)};`;
      if (l === '}') indent--;
      lines.push('  '.repeat(Math.max(0, indent)) + l);
      if (l.endsWith('{')) indent++;
    }
    return '```' + lang + '\n' + lines.join('\n') + '\n```';
  };
  const blocks = [];
  let total = 0;
  let sinceHeading = 0;
  while (total < chars) {
    let b;
    const r = rand();
    if (blocks.length === 0) b = paragraph();
    else if (sinceHeading >= 4 && r < 0.25) { b = (rand() < 0.7 ? '## ' : '### ') + sentence(int(15, 50)).slice(0, -1); sinceHeading = -1; }
    else if (r < 0.62) b = paragraph();
    else if (r < 0.82) b = list();
    else b = code();
    sinceHeading++;
    blocks.push(b);
    total += b.length + 2;
  }
  return blocks.join('\n\n') + '\n';
}

// Tokens of 4-6 characters, cut in order from the text.
export function tokenize(text, seed = 0x5eed) {
  const rand = rng(seed);
  const tokens = [];
  for (let i = 0; i < text.length;) {
    const n = 4 + Math.floor(rand() * 3);
    tokens.push(text.slice(i, i + n));
    i += n;
  }
  return tokens;
}

// The block rule: from `start` (where the open block begins) in `src`, the
// blocks that are finished, and where the open block now begins. A block
// finishes when a blank line is followed by a non-blank line, outside a
// fence; a fenced block finishes at its closing fence line. Only complete
// lines decide.
export function splitBlocks(src, start) {
  const finished = [];
  let i = start;
  let blockStart = -1;
  let fence = false;
  let sawBlank = false;
  for (;;) {
    const nl = src.indexOf('\n', i);
    if (nl < 0) break;
    const line = src.slice(i, nl);
    const blank = line.trim() === '';
    if (blockStart < 0) {
      if (!blank) { blockStart = i; fence = line.startsWith('```'); sawBlank = false; }
    } else if (fence) {
      if (/^```\s*$/.test(line)) {
        finished.push({ from: blockStart, to: nl + 1 });
        blockStart = -1;
        fence = false;
      }
    } else if (blank) {
      sawBlank = true;
    } else if (sawBlank) {
      finished.push({ from: blockStart, to: i });
      blockStart = i;
      fence = line.startsWith('```');
      sawBlank = false;
    }
    i = nl + 1;
  }
  return { finished, start: blockStart >= 0 ? blockStart : i };
}

const esc = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const inline = (s) => esc(s)
  .replace(/\*\*([^*\n]+)\*\*/g, '<strong>$1</strong>')
  .replace(/`([^`\n]+)`/g, '<code>$1</code>');

// One block's HTML. `finished` code blocks get the copy-button wrapper (the
// open one is plain, as in rill-chat, whose tail target is data-no-highlight).
export function renderBlock(source, pos, finished) {
  const text = source.replace(/\n+$/, '');
  if (!text.trim()) return '';
  const at = ` data-pos="${pos}"`;
  if (text.startsWith('```')) {
    const lines = text.split('\n');
    const lang = lines[0].slice(3).trim();
    const body = lines.slice(1);
    if (body.length && /^```\s*$/.test(body[body.length - 1])) body.pop();
    const pre = `<pre><code class="language-${esc(lang || 'plaintext')}">${esc(body.join('\n'))}</code></pre>`;
    return finished
      ? `<div class="code-block" dj-update="ignore"${at}><button type="button" class="copy" data-copy-code>Copy</button>${pre}</div>\n`
      : pre.replace('<pre>', `<pre${at}>`) + '\n';
  }
  const h = /^(#{1,6}) (.*)$/.exec(text);
  if (h && !text.includes('\n')) {
    const n = Math.min(6, h[1].length);
    return `<h${n}${at}>${inline(h[2])}</h${n}>\n`;
  }
  const lines = text.split('\n');
  if (/^(- |\d+\. )/.test(lines[0])) {
    const tag = lines[0].startsWith('- ') ? 'ul' : 'ol';
    const items = lines.map((l) => `<li>${inline(l.replace(/^(- |\d+\. )/, ''))}</li>`);
    return `<${tag}${at}>\n${items.join('\n')}\n</${tag}>\n`;
  }
  return `<p${at}>${inline(text)}</p>\n`;
}

// What a browser's textContent of `html` is (the renderer's tags and
// entities only).
export function textOf(html) {
  return html.replace(/<[^>]*>/g, '').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

// The server for one answer: feed it text, get what to send.
export class BlockStream {
  constructor() {
    this.src = '';
    this.start = 0;
    this.doneHtml = '';
  }

  // Returns { appendHtml, tailHtml }: the HTML of blocks finished by this
  // chunk (to append once) and of the open block (to replace the tail with).
  feed(chunk) {
    this.src += chunk;
    const { finished, start } = splitBlocks(this.src, this.start);
    let appendHtml = '';
    for (const b of finished) appendHtml += renderBlock(this.src.slice(b.from, b.to), b.to, true);
    this.start = start;
    this.doneHtml += appendHtml;
    const tailHtml = renderBlock(this.src.slice(start), this.src.length, false);
    return { appendHtml, tailHtml };
  }
}
