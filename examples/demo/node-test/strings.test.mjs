import assert from 'node:assert/strict';
import { test } from 'node:test';

test('upper-cases', () => {
  assert.equal('proctor'.toUpperCase(), 'PROCTOR');
});

test('slugifies', async (t) => {
  const slug = (s) => s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
  await t.test('spaces', () => assert.equal(slug('Hello World'), 'hello-world'));
  await t.test('punctuation', () => assert.equal(slug('Ready, set: go!'), 'ready-set-go'));
});
