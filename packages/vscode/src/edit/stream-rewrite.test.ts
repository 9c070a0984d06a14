import assert from 'node:assert/strict';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { editSelectionRequest } from './edit-request.js';
import { serverModel } from './server-model.js';
import { streamRewrite } from './stream-rewrite.js';

const ORIGINAL = 'function add(a, b) {\n  return a + b;\n}\n';

/** Real SSE bytes, the shape `spark serve` and OpenAI send (docs: Responses streaming events). */
function sse(type: string, fields: Record<string, unknown>): string {
  return `event: ${type}\ndata: ${JSON.stringify({ type, ...fields })}\n\n`;
}

async function writeSlowly(response: ServerResponse, parts: readonly string[]): Promise<void> {
  response.writeHead(200, { 'content-type': 'text/event-stream' });
  for (const part of parts) {
    // Events split mid-line across writes: the reader must join them.
    const middle = Math.floor(part.length / 2);
    response.write(part.slice(0, middle));
    await new Promise((resolve) => setTimeout(resolve, 5));
    response.write(part.slice(middle));
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  response.end();
}

describe('streamRewrite', () => {
  let server: Server;
  let url = '';
  const bodies: unknown[] = [];
  before(async () => {
    server = createServer((request, response) => {
      if (request.method === 'GET') {
        const models = request.headers['x-scenario'] === 'none' ? [] : [{ id: 'first', object: 'model' }, { id: 'second', object: 'model' }];
        response.writeHead(request.headers.authorization === 'Bearer k' ? 200 : 401, { 'content-type': 'application/json' }).end(JSON.stringify({ object: 'list', data: models }));
        return;
      }
      let raw = '';
      request.on('data', (chunk: Buffer) => { raw += chunk.toString(); });
      request.on('end', () => {
        bodies.push(JSON.parse(raw));
        const scenario = request.headers['x-scenario'];
        if (request.headers.authorization !== 'Bearer k') { response.writeHead(401, { 'content-type': 'application/json' }).end('{"error":{"message":"no key"}}'); return; }
        const deltas = ['function sum(a, b) {\n', '  return a + b;\n', '}\n'].map((delta) => sse('response.output_text.delta', { delta }));
        if (scenario === 'failed') void writeSlowly(response, [deltas[0] ?? '', sse('response.failed', { response: { error: { message: 'engine broke' } } })]);
        else if (scenario === 'cut') void writeSlowly(response, [deltas[0] ?? '']);
        else void writeSlowly(response, [...deltas, sse('response.completed', { response: { usage: { output_tokens: 7 } } })]);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => { resolve(); })));

  const request = editSelectionRequest({ model: 'm', selection: ORIGINAL, instruction: 'rename add to sum' });

  it('hands the reply so far to every redraw and resolves with the whole reply and its usage', async () => {
    const drawn: string[] = [];
    const before = Date.now();
    const result = await streamRewrite({ url, apiKey: 'k', request, redrawMs: 0, onText: (text) => drawn.push(text) });
    assert.equal(result.text, 'function sum(a, b) {\n  return a + b;\n}\n');
    assert.equal(result.outputTokens, 7);
    assert.ok(result.firstTextAt !== null && result.firstTextAt >= before);
    // Redraws see the reply grow, split events joined: never a torn delta.
    assert.ok(drawn.length >= 2);
    assert.ok(drawn.every((text, index) => result.text.startsWith(text) && (index === 0 || text.length >= (drawn[index - 1] ?? '').length)));
    assert.ok(drawn.includes('function sum(a, b) {\n'));
    assert.deepEqual((bodies.at(-1) as { prediction?: unknown }).prediction, { type: 'content', content: ORIGINAL });
  });

  it('fails with the server status, a failed response, or a stream cut short', async () => {
    await assert.rejects(streamRewrite({ url, request, onText: () => undefined }), /answered 401/);
    const failed = fetchWith({ 'x-scenario': 'failed' });
    await assert.rejects(failed(() => streamRewrite({ url, apiKey: 'k', request, onText: () => undefined })), /engine broke/);
    const cut = fetchWith({ 'x-scenario': 'cut' });
    await assert.rejects(cut(() => streamRewrite({ url, apiKey: 'k', request, onText: () => undefined })), /ended before the response completed/);
  });

  it('takes the first model the server lists, and says so when there is none', async () => {
    assert.equal(await serverModel(url, 'k'), 'first');
    await assert.rejects(serverModel(url, undefined), /answered 401/);
    await assert.rejects(fetchWith({ 'x-scenario': 'none' })(() => serverModel(url, 'k')), /lists no model/);
  });

  it('stops when aborted', async () => {
    const abort = new AbortController();
    const promise = streamRewrite({ url, apiKey: 'k', request, signal: abort.signal, redrawMs: 0, onText: () => { abort.abort(); } });
    await assert.rejects(promise, (error: unknown) => error instanceof Error && error.name === 'AbortError');
  });
});

/** Runs `body` with an extra request header on every fetch (the stand-in picks its scenario by it). */
function fetchWith(headers: Record<string, string>): <T>(body: () => Promise<T>) => Promise<T> {
  return async (body) => {
    const original = globalThis.fetch;
    globalThis.fetch = (input, init) => original(input, { ...init, headers: { ...Object.fromEntries(new Headers(init?.headers).entries()), ...headers } });
    try {
      return await body();
    } finally {
      globalThis.fetch = original;
    }
  };
}
