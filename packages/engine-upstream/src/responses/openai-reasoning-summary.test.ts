// OpenAI's reasoning models stream a reasoning *summary* (response.reasoning_summary_text.delta),
// not raw reasoning text. Played back over a real socket from a fixture in OpenAI's wire shape:
// the summary must reach Spark's clients as it streams, not whole at the item's end.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setImmediate as tick } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import type { EngineEvent } from '@spark/engine';
import { ResponsesUpstreamEngine } from './responses-upstream-engine.js';

interface SummaryFixture { source: string; summary: string[]; text: string; chunks: string[] }

const fixture = JSON.parse(readFileSync(new URL('../../src/responses/fixtures/openai-reasoning-summary.json', import.meta.url), 'utf8')) as SummaryFixture;

void describe('a Responses upstream that streams reasoning summaries (OpenAI)', () => {
  let server: http.Server;
  let baseUrl: string;
  before(async () => {
    server = http.createServer((req, res) => {
      req.resume();
      if (req.method !== 'POST' || req.url !== '/v1/responses') {
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"message":"not found","type":"invalid_request_error"}}');
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      void (async () => {
        for (const chunk of fixture.chunks) {
          res.write(chunk);
          await tick();
        }
        res.end();
      })();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  void it('passes the summary on delta by delta, parts joined by a newline, and keeps it once in the conversation', async () => {
    const engine = new ResponsesUpstreamEngine({ name: 'openai', baseUrl, transport: 'http', models: [{ id: 'o4-mini', contextSize: 200_000 }] });
    const events: EngineEvent[] = [];
    try {
      for await (const event of engine.generate({
        model: 'openai/o4-mini', conversation: [{ type: 'user', text: 'Name one colour.' }], tools: [], toolChoice: { type: 'auto' },
        parallelToolCalls: true, outputFormat: { type: 'text' }, sampling: { temperature: 1 }, signal: new AbortController().signal,
      })) events.push(event);
    } finally {
      await engine.dispose();
    }
    const reasoning = events.flatMap((event) => (event.type === 'reasoning-delta' ? [event.delta] : []));
    const deltasInFixture = fixture.chunks.filter((chunk) => chunk.startsWith('event: response.reasoning_summary_text.delta')).length;
    assert.equal(reasoning.length, deltasInFixture, 'one engine delta per upstream delta, none held back for the item\'s end');
    assert.equal(reasoning.join(''), fixture.summary.join('\n'));
    const firstText = events.findIndex((event) => event.type === 'text-delta');
    const lastReasoning = events.findLastIndex((event) => event.type === 'reasoning-delta');
    assert.ok(lastReasoning < firstText, 'the summary streams before the answer');
    assert.equal(events.filter((event) => event.type === 'text-delta').map((event) => (event.type === 'text-delta' ? event.delta : '')).join(''), fixture.text);
    const finish = events.at(-1);
    assert.ok(finish?.type === 'finish' && finish.reason === 'stop');
    assert.equal(finish.usage.reasoningTokens, 128);
    const data = finish.state?.data as { conversation?: Array<{ type: string; text?: string }> } | undefined;
    const kept = data?.conversation?.filter((item) => item.type === 'reasoning') ?? [];
    assert.deepEqual(kept.map((item) => item.text), [fixture.summary.join('\n')], 'the reasoning item once, not the streamed text plus the done item\'s');
  });
});
