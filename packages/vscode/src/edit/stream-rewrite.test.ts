import assert from 'node:assert/strict';
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { GenerateRequest, ScriptStep } from '@spark/engine';
import { startTestServer, type TestServer } from '@spark/server/testing';
import { editSelectionRequest } from './edit-request.js';
import { serverModel } from './server-model.js';
import { streamRewrite } from './stream-rewrite.js';

const ORIGINAL = 'function add(a, b) {\n  return a + b;\n}\n';
const REWRITE = ['function sum(a, b) {\n', '  return a + b;\n', '}\n'];

/** The rewrite, a line at a time with a pause between lines, picked by the request's instruction. */
function editScript(request: GenerateRequest): readonly ScriptStep[] {
  const user = request.conversation.findLast((item) => item.type === 'user');
  const instruction = /<instruction>\n([\s\S]*)\n<\/instruction>/.exec(user?.type === 'user' ? user.text : '')?.[1] ?? '';
  const lines: ScriptStep[] = REWRITE.flatMap((text) => [{ type: 'text', text }, { type: 'delay', ms: 5 }] as ScriptStep[]);
  switch (instruction) {
    case 'fail': return [lines[0] ?? { type: 'delay', ms: 0 }, { type: 'error', code: 'internal', message: 'engine broke' }];
    case 'slow': return Array.from({ length: 200 }, (): ScriptStep[] => [{ type: 'text', text: ' x' }, { type: 'delay', ms: 5 }]).flat();
    default: return lines;
  }
}

describe('streamRewrite, against spark serve over HTTP+SSE', () => {
  let t: TestServer;
  let empty: TestServer;
  before(async () => {
    t = await startTestServer({ apiKeys: ['k'], engineOptions: { models: ['first', 'second'], script: editScript } });
    empty = await startTestServer({ engineOptions: { models: [] } });
  });
  after(async () => { await Promise.all([t.server.close(), empty.server.close()]); });

  const request = (instruction: string, model = 'first'): ReturnType<typeof editSelectionRequest> => editSelectionRequest({ model, selection: ORIGINAL, instruction });

  it('hands the reply so far to every redraw and resolves with the whole reply and its usage', async () => {
    const drawn: string[] = [];
    const before = Date.now();
    const result = await streamRewrite({ url: t.url, apiKey: 'k', request: request('rename add to sum'), redrawMs: 0, onText: (text) => drawn.push(text) });
    assert.equal(result.text, REWRITE.join(''));
    assert.ok(result.outputTokens !== null && result.outputTokens > 0);
    assert.ok(result.firstTextAt !== null && result.firstTextAt >= before);
    // Redraws see the reply grow delta by delta, never a torn one.
    assert.ok(drawn.length >= 2);
    assert.ok(drawn.every((text, index) => result.text.startsWith(text) && (index === 0 || text.length >= (drawn[index - 1] ?? '').length)));
    assert.ok(drawn.includes(REWRITE[0] ?? ''));
    // The selection went out as `prediction` and reached the engine.
    assert.equal(t.engine.requests.at(-1)?.prediction, ORIGINAL);
  });

  it('redraws no more often than the redraw interval', async () => {
    const drawn: string[] = [];
    // An interval longer than any test: only the first delta draws, the rest comes as the result.
    const result = await streamRewrite({ url: t.url, apiKey: 'k', request: request('rename add to sum'), redrawMs: 3_600_000, onText: (text) => drawn.push(text) });
    assert.equal(drawn.length, 1);
    assert.ok(REWRITE.join('').startsWith(drawn[0] ?? '-'));
    assert.equal(result.text, REWRITE.join(''));
  });

  it('fails with the server status, a failed response, or an incomplete one', async () => {
    await assert.rejects(streamRewrite({ url: t.url, request: request('rename'), onText: () => undefined }), { name: 'ClientError', status: 401 });
    await assert.rejects(streamRewrite({ url: t.url, apiKey: 'k', request: request('fail'), onText: () => undefined }), { code: 'response_failed' });
    const capped = { ...request('rename add to sum'), max_output_tokens: 2 };
    await assert.rejects(streamRewrite({ url: t.url, apiKey: 'k', request: capped, onText: () => undefined }), { code: 'response_incomplete', message: /incomplete/ });
  });

  it('fails when the connection drops mid-stream', async () => {
    const proxy = await cuttingProxy(t.url);
    try {
      await assert.rejects(streamRewrite({ url: proxy.url, apiKey: 'k', request: request('slow'), onText: () => undefined }), { code: 'connection_closed' });
    } finally {
      await proxy.close();
    }
  });

  it('takes the first model the server lists, and says so when there is none', async () => {
    assert.equal(await serverModel(t.url, 'k'), 'first');
    await assert.rejects(serverModel(t.url, undefined), { status: 401 });
    await assert.rejects(serverModel(empty.url, undefined), /lists no model/);
  });

  it('stops when aborted, and the server stops generating', async () => {
    const abort = new AbortController();
    const promise = streamRewrite({ url: t.url, apiKey: 'k', request: request('slow'), signal: abort.signal, redrawMs: 0, onText: () => { abort.abort(); } });
    await assert.rejects(promise, (error: unknown) => error instanceof Error && error.name === 'AbortError');
    // The server saw the client leave: its engine has no generation running for nobody.
    for (let tries = 0; t.engine.stats().activeSequences > 0; tries += 1) {
      assert.ok(tries < 1000, 'the generation still runs');
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  });
});

/** A TCP proxy to `target` that drops both sockets once the server's first text delta passed through. */
async function cuttingProxy(target: string): Promise<{ url: string; close: () => Promise<void> }> {
  const { hostname, port } = new URL(target);
  const sockets = new Set<Socket>();
  const proxy: Server = createServer((client) => {
    const upstream = connect(Number(port), hostname);
    sockets.add(client).add(upstream);
    client.pipe(upstream);
    upstream.on('data', (chunk: Buffer) => {
      client.write(chunk);
      if (chunk.includes('response.output_text.delta')) { client.destroy(); upstream.destroy(); }
    });
    for (const socket of [client, upstream]) socket.on('error', () => undefined).on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      proxy.close(() => { resolve(); });
    }),
  };
}
