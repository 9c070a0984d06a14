import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ResponseObject } from '@spark/protocol';
import { MIN_RATE_WINDOW_MS, ResponseAccumulator } from './response-accumulator.js';

function completed(outputTokens: number): ResponseObject {
  return {
    id: 'resp_1', object: 'response', created_at: 0, completed_at: 0, status: 'completed', model: 'm', previous_response_id: null,
    store: false, instructions: null, metadata: {}, error: null, incomplete_details: null, temperature: null, top_p: null,
    max_output_tokens: null, truncation: 'disabled', parallel_tool_calls: true, tool_choice: 'auto', tools: [],
    reasoning: { effort: null, summary: null }, text: { format: { type: 'text' } }, prompt_cache_key: null, service_tier: null, output: [],
    usage: {
      input_tokens: 10, input_tokens_details: { cached_tokens: 4, cache_write_tokens: 0 }, output_tokens: outputTokens,
      output_tokens_details: { reasoning_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 }, total_tokens: 10 + outputTokens,
    },
  };
}

/** A response streamed on a clock the test moves: its deltas at the given times (ms). */
function streamedAt(times: readonly number[], outputTokens: number): ReturnType<ResponseAccumulator['stats']> {
  let clock = 0;
  const state = new ResponseAccumulator(() => clock);
  state.start('resp_1');
  for (const at of times) {
    clock = at;
    state.delta('x ');
  }
  return state.stats(completed(outputTokens), { sentAt: 0, sentItems: 1 }, 'websocket');
}

describe('response accumulator stats', () => {
  it('rates the tokens after the first over the stream from the first delta to the last', () => {
    const stats = streamedAt([100, 100 + MIN_RATE_WINDOW_MS], 6);
    assert.equal(stats.tokens_per_second, 100, `5 tokens over ${MIN_RATE_WINDOW_MS} ms`);
    assert.equal(stats.ttft_ms, 100);
    assert.deepEqual([stats.input_tokens, stats.cached_input_tokens, stats.output_tokens], [10, 4, 6]);
    assert.equal(streamedAt([0, 1000], 101).tokens_per_second, 100);
  });

  it('gives no speed for a stream shorter than MIN_RATE_WINDOW_MS (a reply in one burst)', () => {
    assert.equal(streamedAt([100, 100 + MIN_RATE_WINDOW_MS - 1], 6).tokens_per_second, null, 'just under the window');
    // A scripted or cached reply: every delta at once would otherwise rate tens of thousands of tokens/s.
    assert.equal(streamedAt([100, 100.01, 100.02], 372).tokens_per_second, null);
    assert.equal(streamedAt([100], 40).tokens_per_second, null, 'one delta');
  });

  it('gives no speed or TTFT without output, and no speed for a single token', () => {
    const none = streamedAt([], 0);
    assert.deepEqual([none.ttft_ms, none.tokens_per_second], [null, null]);
    assert.equal(streamedAt([0, 1000], 1).tokens_per_second, null);
  });
});
