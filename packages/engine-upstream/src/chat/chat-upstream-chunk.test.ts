import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readUpstreamChunk, upstreamChunkSchema } from './chat-upstream-chunk.js';

void describe('readUpstreamChunk', () => {
  void it('reads every chunk exactly as the schema does, fast path or not', () => {
    const chunks: unknown[] = [
      { id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content: 'Hi' }, logprobs: null, finish_reason: null }] },
      { id: 'c', choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }], usage: null },
      { choices: [{ delta: { content: null } }] },
      { choices: [{ index: 0, delta: { reasoning_content: 'think' }, finish_reason: null }] },
      { choices: [{ index: 0, delta: { tool_calls: [{ index: 0, id: 'call_1', function: { name: 'f', arguments: '' } }] } }] },
      { choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] },
      { choices: [], usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7, prompt_tokens_details: { cached_tokens: 4 } } },
      { choices: [{ index: 0, delta: { content: 'x' } }, { index: 1, delta: { content: 'y' } }] },
      { choices: [{ index: 0, delta: { content: 'late' }, finish_reason: null }], timings: { cache_n: 3 } },
      { error: { message: 'boom' } },
    ];
    for (const chunk of chunks) assert.deepEqual(readUpstreamChunk(chunk), upstreamChunkSchema.safeParse(chunk), JSON.stringify(chunk));
  });

  void it('refuses what the schema refuses', () => {
    for (const bad of [null, 'text', { choices: 'no' }, { choices: [{ delta: { content: 5 } }] }]) {
      assert.equal(readUpstreamChunk(bad).success, upstreamChunkSchema.safeParse(bad).success);
    }
  });
});
