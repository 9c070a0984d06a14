import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AgentEvent } from '@spark/protocol';
import { formatRate, INITIAL_STATUS, MIN_RATE_WINDOW_MS, statusFromEvent, statusText, tokensPerSecond } from './spark-status.js';

const envelope = { thread_id: 't', turn_id: 'u', seq: 1 };
const stats = { response_id: 'r', input_tokens: 10, cached_input_tokens: 0, output_tokens: 100, ttft_ms: 20, transport: 'websocket' as const, input_items_sent: 1 };

describe('spark status', () => {
  it('shows the model, the state and the last speed, and the problem in the tooltip', () => {
    assert.equal(statusText(INITIAL_STATUS).text, '$(sparkle) Spark');
    const shown = statusText({ model: '/models/SmolLM2-135M.gguf', state: 'working', tokensPerSecond: 123.4, source: 'edit', problem: '' });
    assert.equal(shown.text, '$(loading~spin) Spark · SmolLM2-135M.gguf · 123 tok/s');
    assert.match(shown.tooltip, /123 tokens\/s \(last Edit Selection\)/);
    assert.equal(statusText({ ...INITIAL_STATUS, model: 'up/gpt-4o' }).text, '$(sparkle) Spark · up/gpt-4o');
    const failed = statusText({ ...INITIAL_STATUS, state: 'error', problem: 'no host' });
    assert.match(failed.text, /^\$\(error\)/);
    assert.match(failed.tooltip, /no host/);
    assert.equal(formatRate(7.25), '7.3');
  });

  it('computes a speed from tokens and streaming time, none when too short or empty', () => {
    assert.equal(tokensPerSecond(100, 1000, 2000), 100);
    assert.equal(tokensPerSecond(100, null, 2000), null);
    assert.equal(tokensPerSecond(100, 1000, 1010), null);
    assert.equal(tokensPerSecond(5, 1000, 1000 + MIN_RATE_WINDOW_MS), 100, 'just long enough');
    assert.equal(tokensPerSecond(5, 1000, 1000 + MIN_RATE_WINDOW_MS - 1), null, 'just too short');
    assert.equal(tokensPerSecond(0, 1000, 2000), null);
  });

  it('follows the chat thread: working while a turn runs, the response speed, idle after, error on failure', () => {
    let status = statusFromEvent(INITIAL_STATUS, { ...envelope, type: 'turn.started', turn: 1, input: 'hi' });
    assert.equal(status.state, 'working');
    const completed: AgentEvent = { ...envelope, type: 'response.completed', status: 'completed', stats: { ...stats, tokens_per_second: 250 } };
    status = statusFromEvent(status, completed);
    assert.deepEqual([status.tokensPerSecond, status.source], [250, 'chat']);
    assert.equal(statusFromEvent(status, { ...completed, stats: { ...stats, tokens_per_second: null } }).tokensPerSecond, 250, 'a too-short response keeps the last speed');
    status = statusFromEvent(status, { ...envelope, type: 'turn.completed', turn: 1, status: 'completed', final_message: '', steps: 1 });
    assert.equal(status.state, 'idle');
    status = statusFromEvent(status, { ...envelope, type: 'error', code: 'x', message: 'engine gone' });
    assert.deepEqual([status.state, status.problem], ['error', 'engine gone']);
    assert.equal(statusFromEvent(status, { ...envelope, type: 'thread.idle' }).state, 'error', 'the error stays until the next turn');
    assert.equal(statusFromEvent(status, { ...envelope, type: 'model.changed', model: 'deep' }).model, 'deep');
  });
});
