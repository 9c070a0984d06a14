import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createResponseSchema } from './create-response-schema.js';
import { parseCreateResponse } from './parse-create-response.js';
import { parseSimpleCreateResponse, SIMPLE_FIELDS } from './simple-create-response.js';
import { assertFastPathAgrees, pick } from './testing/fast-path-kit.js';

/** Values of every JSON kind around each simple field's limits, valid and not. */
const VALUES: readonly unknown[] = [
  null, true, false, 0, 1, -1, 0.5, 1.5, 2, 2.0000001, 20, 21, -0, 1e21, 2 ** 53, 2 ** 53 - 1, -(2 ** 53),
  '', 'x', 'auto', 'disabled', 'foreground', 'background', 'scripted', 'a'.repeat(256), 'a'.repeat(257),
  'b'.repeat(512), 'b'.repeat(513), 'c'.repeat(1024), 'c'.repeat(1025), '\u00e9\ud83d\ude00',
  [], ['a', 'b'], ['a', 1], [null], {}, { type: 'text' }, { a: 1 },
];
const OTHER_KEYS = ['tools', 'tool_choice', 'metadata', 'text', 'reasoning', 'prediction', 'stream_options', 'client_metadata', 'type', '__proto__'];
const KEYS = [...SIMPLE_FIELDS.keys(), ...OTHER_KEYS];

/** A body as JSON would give it: a few random fields, usually a valid model. */
function randomBody(next: () => number): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  if (next() < 0.9) body['model'] = 'scripted';
  if (next() < 0.7) body['input'] = 'hi';
  const fields = Math.floor(next() * 5);
  for (let i = 0; i < fields; i++) body[pick(next, KEYS)] = pick(next, VALUES);
  return body;
}

test('every simple field is a field of the create schema', () => {
  for (const key of SIMPLE_FIELDS.keys()) assert.ok(key in createResponseSchema.shape, key);
});

test('the simple parse accepts only what the schema accepts, and returns what it returns', () => {
  assertFastPathAgrees({ seed: 18, count: 20_000, minAccepted: 2_000, body: randomBody, fast: parseSimpleCreateResponse, schema: createResponseSchema });
});

test('each simple field, alone, takes the simple path with exactly the values the schema accepts for it', () => {
  for (const key of SIMPLE_FIELDS.keys()) {
    for (const value of VALUES) {
      const body = key === 'model' ? { model: value } : { model: 'scripted', [key]: value };
      const schema = createResponseSchema.safeParse(body);
      const simple = parseSimpleCreateResponse(body);
      // An item array is the schema's to judge: the fast path claims only string input.
      const claimed = key !== 'input' || typeof value === 'string';
      if (schema.success && claimed) assert.deepStrictEqual(simple, schema.data, `${key}: ${JSON.stringify(value)}`);
      else assert.equal(simple, undefined, `${key}: ${JSON.stringify(value)}`);
    }
  }
});

test('a trivial turn takes the simple path; extras the schema drops are dropped', () => {
  const body = { model: 'scripted', input: 'hi', store: false, previous_response_id: 'resp_1', client_metadata: { a: 1 } };
  assert.deepStrictEqual(parseSimpleCreateResponse(body), { model: 'scripted', input: 'hi', store: false, previous_response_id: 'resp_1' });
});

test('bodies with fields the simple parse leaves to the schema are refused with the schema\'s own errors', () => {
  assert.equal(parseSimpleCreateResponse({ model: 'scripted', input: [] }), undefined);
  assert.equal(parseSimpleCreateResponse({ model: 'scripted', tools: [] }), undefined);
  assert.equal(parseSimpleCreateResponse({ model: 'scripted', metadata: {} }), undefined);
  assert.throws(() => parseCreateResponse({ model: 'scripted', temperature: 3 }), { param: 'temperature', message: /Invalid value for 'temperature'/ });
  assert.throws(() => parseCreateResponse({ model: '', input: 'hi' }), { param: 'model' });
  assert.throws(() => parseCreateResponse({ model: 'scripted', input: null }), { param: 'input' });
});
