import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sseData } from './sse-data.js';
import { startSyntheticUpstream, tokensDue } from './synthetic-upstream.js';

void describe('synthetic upstream', () => {
  void it('owes tokens by the clock: none before the first is due, every one a late wake-up missed, never more than the answer', () => {
    assert.equal(tokensDue(-0.1, 0.5, 100), 0);
    assert.equal(tokensDue(0, 0.5, 100), 1);
    // A timer that fires 10 ms late at 2000 tok/s owes 20 more tokens at once, not one.
    assert.equal(tokensDue(10.2, 0.5, 100), 21);
    assert.equal(tokensDue(1e9, 0.5, 100), 100);
  });

  void it('streams max_tokens content chunks, one token each, then stop, usage and [DONE]', async () => {
    const upstream = await startSyntheticUpstream({ ttftMs: 0, rates: [2000] });
    try {
      const models = (await (await fetch(`${upstream.url}/v1/models`)).json()) as { data: Array<{ id: string }> };
      assert.deepEqual(models.data.map((model) => model.id), ['tps-2000']);
      assert.equal((await fetch(`${upstream.url}/v1/responses`, { method: 'POST', body: '{}' })).status, 404, 'Spark must detect Chat Completions');
      const response = await fetch(`${upstream.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'tps-100000', messages: [{ role: 'user', content: 'go' }], max_tokens: 50, stream: true, stream_options: { include_usage: true } }),
      });
      assert.equal(response.status, 200);
      const frames: string[] = [];
      for await (const data of sseData(response.body as AsyncIterable<Uint8Array>)) frames.push(data);
      assert.equal(frames.at(-1), '[DONE]');
      const chunks = frames.slice(0, -1).map((frame) => JSON.parse(frame) as {
        choices: Array<{ delta: { role?: string; content?: string }; finish_reason: string | null }>;
        usage?: { completion_tokens: number };
      });
      assert.equal(chunks[0]?.choices[0]?.delta.role, 'assistant');
      const content = chunks.filter((chunk) => chunk.choices[0]?.delta.content);
      assert.equal(content.length, 50);
      assert.ok(content.every((chunk) => chunk.choices[0]?.delta.content === ' tok'));
      assert.equal(chunks.at(-2)?.choices[0]?.finish_reason, 'stop');
      assert.equal(chunks.at(-1)?.usage?.completion_tokens, 50);
      assert.equal(upstream.active(), 0);
    } finally {
      await upstream.close();
    }
  });

  void it('stops pacing a stream whose client went away', async () => {
    const upstream = await startSyntheticUpstream({ ttftMs: 0 });
    try {
      const controller = new AbortController();
      const response = await fetch(`${upstream.url}/v1/chat/completions`, {
        method: 'POST',
        body: JSON.stringify({ model: 'tps-1000', messages: [], max_tokens: 1_000_000, stream: true }),
        signal: controller.signal,
      });
      const reader = (response.body as ReadableStream<Uint8Array>).getReader();
      await reader.read();
      assert.equal(upstream.active(), 1);
      controller.abort();
      for (let wait = 0; wait < 1000 && upstream.active() > 0; wait++) await new Promise((resolve) => setTimeout(resolve, 5));
      assert.equal(upstream.active(), 0);
    } finally {
      await upstream.close();
    }
  });
});
