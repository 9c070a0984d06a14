import assert from 'node:assert/strict';
import { request as httpRequest, type ClientRequest } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { ObservedEngine, type GenerateRequest, type ScriptedEngine } from '@spark/engine';
import { sseEvents } from './testing/sse-frames.js';
import { startTestServer, TEST_MODEL, waitFor, type TestServer } from './testing/test-server.js';

const LONG_INPUT = Array.from({ length: 400 }, (_, index) => `w${index}`).join(' ');

/** Per generation, the text tokens produced after its abort fired; and every text token produced. */
const watch = { tokensAfterAbort: [] as number[], produced: 0 };

function observe(engine: ScriptedEngine): ObservedEngine {
  const late = new Map<GenerateRequest, number>();
  return new ObservedEngine(engine, {
    onEvent(request, event) {
      if (event.type !== 'text-delta') return;
      watch.produced += 1;
      if (request.signal.aborted) late.set(request, (late.get(request) ?? 0) + 1);
    },
    onEnd(request) {
      if (request.signal.aborted) watch.tokensAfterAbort.push(late.get(request) ?? 0);
      late.delete(request);
    },
  });
}

/** Sends a request over its own socket and calls `onData` with everything received so far. */
function open(url: string, body: unknown, onData: (received: string, req: ClientRequest) => void = () => undefined): { req: ClientRequest; closed: Promise<void> } {
  const req = httpRequest(`${url}/v1/responses`, { method: 'POST', agent: false, headers: { 'content-type': 'application/json' } }, (res) => {
    let received = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => { received += chunk; onData(received, req); });
  });
  req.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => req.on('close', () => resolve()));
  req.end(JSON.stringify(body));
  return { req, closed };
}

void describe('client disconnect', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ engineOptions: { tokenDelayMs: 2 }, wrapEngine: observe });
  });
  after(async () => { await t.server.close(); });

  void it('mid-stream aborts the generation within one token and stores the partial response as incomplete', async () => {
    let id = '';
    await open(t.url, { model: TEST_MODEL, input: LONG_INPUT, stream: true }, (received, req) => {
      const events = sseEvents(received.slice(0, received.lastIndexOf('\n\n') + 2));
      id ||= String((events[0]?.['response'] as { id?: string } | undefined)?.id ?? '');
      if (events.filter((event) => event['type'] === 'response.output_text.delta').length >= 3) req.destroy();
    }).closed;
    await waitFor(() => watch.tokensAfterAbort.length === 1 && t.engine.stats().activeSequences === 0);
    assert.ok((watch.tokensAfterAbort[0] ?? 99) <= 1, `tokens after abort: ${watch.tokensAfterAbort[0]}`);
    // Stored as incomplete, with the few tokens that were generated.
    const stored = await t.client.responses.retrieve(id);
    assert.equal(stored.status, 'incomplete');
    assert.equal(String(stored.incomplete_details?.reason), 'interrupted');
    const words = stored.output_text.split(' ').length;
    assert.ok(words >= 3 && words < 100, `generated ${words} words of 402`);
  });

  void it('before a non-streaming answer also aborts the generation', async () => {
    const before = watch.tokensAfterAbort.length;
    const producedBefore = watch.produced;
    const { req, closed } = open(t.url, { model: TEST_MODEL, input: LONG_INPUT });
    await waitFor(() => watch.produced >= producedBefore + 3);
    req.destroy();
    await closed;
    await waitFor(() => watch.tokensAfterAbort.length === before + 1 && t.engine.stats().activeSequences === 0);
    assert.ok((watch.tokensAfterAbort.at(-1) ?? 99) <= 1);
    assert.ok(watch.produced - producedBefore < 100);
  });

  void it('keeps serving after clients left', async () => {
    const response = await t.client.responses.create({ model: TEST_MODEL, input: 'still alive' });
    assert.equal(response.output_text, 'You said: still alive');
    assert.equal(t.engine.stats().activeSequences, 0);
  });
});
