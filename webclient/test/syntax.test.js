// The client must run in Chromium 102 (Qt WebEngine 6.4) under a strict CSP:
// a cheap guard against syntax newer than ES2021 and against eval. Comments
// and strings are stripped first so prose does not trip it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const src = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'src');

const FORBIDDEN = [
  [/\beval\s*\(/, 'eval'],
  [/\bnew\s+Function\b/, 'new Function'],
  [/\bsetTimeout\(\s*['"`]/, 'string timer'],
  [/(^|[^\w$])#[A-Za-z_$]/, 'private class member (ES2022)'],
  [/\bstatic\s*\{/, 'static block (ES2022)'],
  [/\.at\(/, 'Array.prototype.at (ES2022)'],
  [/\bObject\.hasOwn\b/, 'Object.hasOwn (ES2022)'],
  [/\.findLast(Index)?\(/, 'findLast (ES2023)'],
  [/\bstructuredClone\b/, 'structuredClone'],
  [/\.toSorted\(|\.toReversed\(|\.with\(/, 'change-array-by-copy (ES2023)'],
];

function strip(code) {
  return code
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/(^|[^:])\/\/.*$/gm, '$1')
    .replace(/'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"|`(?:[^`\\]|\\.)*`/g, "''");
}

for (const file of fs.readdirSync(src).filter((f) => f.endsWith('.js'))) {
  test(`${file}: ES2021, CSP-clean`, () => {
    const code = strip(fs.readFileSync(path.join(src, file), 'utf8'));
    for (const [pattern, what] of FORBIDDEN) {
      assert.doesNotMatch(code, pattern, `${file} uses ${what}`);
    }
    assert.ok(!/\bawait\b/.test(code) || /\basync\b/.test(code), `${file}: top-level await (ES2022)`);
  });
}
