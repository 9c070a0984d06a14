import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chatCompletionRequestSchema } from './chat-request-schema.js';
import { assertFastPathAgrees, pick } from '../testing/fast-path-kit.js';
import { parseSimpleChatRequest, SIMPLE_CHAT_FIELDS } from './simple-chat-request.js';

/** Values of every JSON kind around each simple field's limits, valid and not. */
const VALUES: readonly unknown[] = [
  null, true, false, 0, 1, -1, 0.5, 1.5, 2, 2.0000001, 4, 5, -0, 1e21, 2 ** 53, 2 ** 53 - 1, -(2 ** 53), 1e-9,
  '', 'x', 'm', 'high', '\u00e9\ud83d\ude00', [], ['a'], ['a', 'b', 'c', 'd'], ['a', 'b', 'c', 'd', 'e'], ['a', 1], [null],
  {}, { include_usage: true }, { include_usage: null }, { include_usage: 1 }, { include_usage: true, extra: 1 }, { type: 'text' },
];
const MESSAGES: readonly unknown[] = [
  { role: 'user', content: 'hi' }, { role: 'system', content: '' }, { role: 'developer', content: 'be brief' },
  { role: 'assistant', content: 'ok' }, { role: 'user', content: 'hi', name: 'ana' }, { role: 'user', content: 'hi', name: null },
  { role: 'assistant', content: null }, { role: 'assistant', content: 'x', tool_calls: [] }, { role: 'tool', content: 'r', tool_call_id: 'c1' },
  { role: 'user', content: [{ type: 'text', text: 'hi' }] }, { role: 'user', content: 3 }, { role: 'bot', content: 'x' },
  { role: 'user', content: 'hi', extra: 1 }, { content: 'x' }, 'hi', null,
];
const OTHER_KEYS = ['tools', 'tool_choice', 'response_format', 'prediction', 'metadata', 'logit_bias', 'frequency_penalty', '__proto__'];
const KEYS = [...SIMPLE_CHAT_FIELDS.keys(), ...OTHER_KEYS];

/** A body as JSON would give it: usually a model and a few messages, then a few random fields. */
function randomBody(next: () => number): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  if (next() < 0.9) body['model'] = 'scripted';
  if (next() < 0.9) {
    const count = Math.floor(next() * 4);
    body['messages'] = Array.from({ length: count }, () => (next() < 0.7 ? MESSAGES[Math.floor(next() * 5)] : pick(next, MESSAGES)));
  }
  const fields = Math.floor(next() * 5);
  for (let i = 0; i < fields; i++) body[pick(next, KEYS)] = pick(next, VALUES);
  return body;
}

test('every simple chat field is a field of the Chat Completions schema', () => {
  for (const key of SIMPLE_CHAT_FIELDS.keys()) assert.ok(key in chatCompletionRequestSchema.shape, key);
});

test('the simple chat parse accepts only what the schema accepts, and returns what it returns', () => {
  assertFastPathAgrees({ seed: 14, count: 20_000, minAccepted: 2_000, body: randomBody, fast: parseSimpleChatRequest, schema: chatCompletionRequestSchema });
});

test('a body a client would send for a plain chat takes the simple path; one with tools does not', () => {
  const plain = { model: 'm', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hi' }], stream: true, stream_options: { include_usage: true }, max_tokens: 64, temperature: 0 };
  assert.deepStrictEqual(parseSimpleChatRequest(plain), chatCompletionRequestSchema.parse(plain));
  assert.equal(parseSimpleChatRequest({ ...plain, tools: [{ type: 'function', function: { name: 'f' } }] }), undefined);
});
