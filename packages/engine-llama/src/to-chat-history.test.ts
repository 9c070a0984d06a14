import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ConversationItem } from '@spark/engine';
import { toChatHistory } from './to-chat-history.js';

describe('toChatHistory', () => {
  it('ends a user turn with an empty model response to generate into', () => {
    assert.deepEqual(toChatHistory([{ type: 'system', text: 'S' }, { type: 'user', text: 'Hi' }]), [
      { type: 'system', text: 'S' },
      { type: 'user', text: 'Hi' },
      { type: 'model', response: [] },
    ]);
  });

  it('ignores reasoning items (the gateway passes them; no local chat template renders them)', () => {
    const items: ConversationItem[] = [
      { type: 'user', text: 'Hi' },
      { type: 'reasoning', text: 'They greet me.', encryptedContent: 'opaque' },
      { type: 'assistant', text: 'Hello!' },
      { type: 'user', text: 'Bye' },
    ];
    assert.deepEqual(toChatHistory(items), toChatHistory(items.filter((item) => item.type !== 'reasoning')));
  });

  it('groups assistant text, calls and their results into one model response', () => {
    const items: ConversationItem[] = [
      { type: 'user', text: 'Weather?' },
      { type: 'assistant', text: 'Checking.' },
      { type: 'tool_call', callId: 'c1', name: 'get', arguments: '{"city":"Paris"}', kind: 'function' },
      { type: 'tool_call', callId: 'c2', name: 'get', arguments: '{"city":"Rome"}', kind: 'function' },
      { type: 'tool_result', callId: 'c2', output: 'rainy' },
      { type: 'tool_result', callId: 'c1', output: '{"sky":"sunny"}' },
    ];
    const history = toChatHistory(items, { rawCall: (name, args) => [`${name}(${args})`] });
    assert.equal(history.length, 2);
    assert.deepEqual(history[1], {
      type: 'model',
      response: [
        'Checking.',
        { type: 'functionCall', name: 'get', params: { city: 'Paris' }, result: { sky: 'sunny' }, rawCall: ['get({"city":"Paris"})'] },
        { type: 'functionCall', name: 'get', params: { city: 'Rome' }, result: 'rainy', rawCall: ['get({"city":"Rome"})'] },
      ],
    });
  });

  it('continues the model turn after tool results, but starts a new one after assistant text', () => {
    const afterResult = toChatHistory([
      { type: 'user', text: 'u' },
      { type: 'tool_call', callId: 'c', name: 'f', arguments: '{}', kind: 'function' },
      { type: 'tool_result', callId: 'c', output: 'ok' },
    ]);
    assert.equal(afterResult.length, 2);
    const afterText = toChatHistory([{ type: 'user', text: 'u' }, { type: 'assistant', text: 'a' }]);
    assert.deepEqual(afterText.slice(1), [{ type: 'model', response: ['a'] }, { type: 'model', response: [] }]);
  });

  it('keeps unparsable arguments as text and custom tool input raw', () => {
    const history = toChatHistory([
      { type: 'user', text: 'u' },
      { type: 'tool_call', callId: 'a', name: 'f', arguments: '{broken', kind: 'function' },
      { type: 'tool_call', callId: 'b', name: 'patch', arguments: '*** Begin Patch', kind: 'custom' },
    ], { rawCall: (name, args) => [`${name}(${args})`] });
    const model = history[1];
    assert.equal(model?.type, 'model');
    if (model?.type !== 'model') return;
    assert.deepEqual(model.response.map((part) => (typeof part === 'object' && part.type === 'functionCall' ? (part.params as unknown) : part)), ['{broken', '*** Begin Patch']);
    assert.deepEqual(model.response.map((part) => (typeof part === 'object' && part.type === 'functionCall' ? part.rawCall : part)), [['f({broken)'], ['patch(*** Begin Patch)']]);
  });

  it('turns a result without its call into a user message', () => {
    const history = toChatHistory([{ type: 'user', text: 'u' }, { type: 'tool_result', callId: 'zz', output: 'data' }]);
    assert.deepEqual(history.slice(1), [{ type: 'user', text: 'Tool result (zz):\ndata' }, { type: 'model', response: [] }]);
  });
});
