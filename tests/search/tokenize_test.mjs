// The JS client's tokenizer against the vectors the Rust tokenizer is tested with.
// Run: node tests/search/tokenize_test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

await import(new URL('../../themes/default/static/search.js', import.meta.url));
const { tokenize, tokenSpans, parseQuery } = globalThis.casebookSearch;
const vectors = JSON.parse(readFileSync(new URL('./tokenize_vectors.json', import.meta.url), 'utf8'));

test('at least 40 shared vectors', () => {
  assert.ok(vectors.cases.length >= 40);
});

for (const c of vectors.cases) {
  test(`tokenize ${JSON.stringify(c.input)}`, () => {
    assert.deepEqual(tokenize(c.input), c.tokens);
  });
}

test('spans point at the original text', () => {
  const text = 'Café: L4–5 worker’s ﬁle';
  const spans = tokenSpans(text).map((t) => text.slice(t.s, t.e));
  assert.deepEqual(spans, ['Café', 'L4–5', 'worker', 'ﬁle']);
});

test('query grammar', () => {
  const stop = new Set(['the', 'of']);
  assert.deepEqual(parseQuery('physical therapy lumb', stop), { words: ['physical', 'therapy'], phrases: [], prefix: 'lumb' });
  assert.deepEqual(parseQuery('"MRI of the right" the mri', stop), { words: [], phrases: [['mri', 'of', 'the', 'right']], prefix: 'mri' });
  assert.deepEqual(parseQuery('knee "physical ther', stop), { words: ['knee'], phrases: [['physical', 'ther']], prefix: null });
  assert.deepEqual(parseQuery('knee p', stop), { words: ['knee', 'p'], phrases: [], prefix: null });
});
