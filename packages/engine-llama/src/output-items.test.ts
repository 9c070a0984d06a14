import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EngineEvent } from '@spark/engine';
import { OutputItems } from './output-items.js';

const usage = { inputTokens: 1, cachedInputTokens: 0, outputTokens: 1 };
const timings = { prefillMs: 0, prefillTokens: 0, decodeMs: 0, decodeTokens: 0, decodeTokensPerSecond: 0 };

describe('OutputItems', () => {
  it('turns text runs and ended calls into items, in order', () => {
    const output = new OutputItems();
    const events: EngineEvent[] = [
      { type: 'prompt', inputTokens: 1, cachedInputTokens: 0 },
      { type: 'text-delta', delta: 'Let me ' },
      { type: 'text-delta', delta: 'check.' },
      { type: 'tool-call-start', callId: 'c1', name: 'get_weather', kind: 'function' },
      { type: 'tool-call-delta', callId: 'c1', delta: '{"city":' },
      { type: 'tool-call-end', callId: 'c1', arguments: '{"city":"Paris"}' },
      { type: 'tool-call-start', callId: 'c2', name: 'apply_patch', kind: 'custom' },
      { type: 'tool-call-end', callId: 'c2', arguments: '*** Begin Patch' },
      { type: 'finish', reason: 'tool_calls', usage, timings },
    ];
    for (const event of events) output.observe(event);
    assert.deepEqual(output.items(), [
      { type: 'assistant', text: 'Let me check.' },
      { type: 'tool_call', callId: 'c1', name: 'get_weather', arguments: '{"city":"Paris"}', kind: 'function' },
      { type: 'tool_call', callId: 'c2', name: 'apply_patch', arguments: '*** Begin Patch', kind: 'custom' },
    ]);
    assert.equal(output.hasCalls, true);
  });

  it('keeps partial text of an interrupted answer and produces nothing for no output', () => {
    const partial = new OutputItems();
    partial.observe({ type: 'text-delta', delta: 'Once upon' });
    partial.observe({ type: 'finish', reason: 'aborted', usage, timings });
    assert.deepEqual(partial.items(), [{ type: 'assistant', text: 'Once upon' }]);
    assert.equal(partial.hasCalls, false);
    assert.deepEqual(new OutputItems().items(), []);
  });
});
