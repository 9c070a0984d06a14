import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newId } from './new-id.js';

test('newId: prefix, underscore, 48 lowercase hex digits', () => {
  for (const prefix of ['resp', 'msg', 'fc', 'item'] as const) assert.match(newId(prefix), new RegExp(`^${prefix}_[0-9a-f]{48}$`));
});

test('newId: ids stay distinct across many refills of the random pool', () => {
  const seen = new Set<string>();
  // Well past several pool refills, so a refill that repeated or skipped bytes would show.
  for (let i = 0; i < 5_000; i++) seen.add(newId('msg').slice(4));
  assert.equal(seen.size, 5_000);
});
