import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { EngineEvent, GenerateRequest } from '@spark/engine';
import { ChatUpstreamEngine } from './chat-upstream-engine.js';

const CHUNK = (delta: object, finish: string | null = null): string =>
  `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;

function request(signal = new AbortController().signal): GenerateRequest {
  return {
    model: 'up/m', conversation: [{ type: 'user', text: 'hi' }], tools: [], toolChoice: { type: 'auto' }, parallelToolCalls: true,
    outputFormat: { type: 'text' }, sampling: { temperature: 0 }, signal,
  };
}

async function text(events: AsyncIterable<EngineEvent>): Promise<string> {
  let out = '';
  for await (const event of events) if (event.type === 'text-delta') out += event.delta;
  return out;
}

void describe('ChatUpstreamEngine keep-alive', () => {
  let server: Server;
  let url: string;
  let connections = 0;
  before(async () => {
    // Answers like vLLM: a role chunk, text, a stop chunk, [DONE], then the chunked terminator;
    // `slow` in the prompt holds the stream open until the client goes.
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => { body += chunk.toString(); });
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(CHUNK({ role: 'assistant', content: '' }));
        res.write(CHUNK({ content: 'Hello' }));
        if (body.includes('slow')) return;
        res.end(`${CHUNK({}, 'stop')}data: [DONE]\n\n`);
      });
    });
    server.on('connection', () => { connections += 1; });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  void it('sends turn after turn on one connection (no connect, no TLS handshake per turn), and drops a socket it cut', async () => {
    const engine = new ChatUpstreamEngine({ name: 'up', baseUrl: url, models: ['m'] });
    try {
      for (let turn = 0; turn < 3; turn += 1) assert.equal(await text(engine.generate(request())), 'Hello');
      assert.equal(connections, 1, 'three turns, one connection');
      const controller = new AbortController();
      const slow = { ...request(controller.signal), conversation: [{ type: 'user' as const, text: 'slow' }] };
      for await (const event of engine.generate(slow)) if (event.type === 'text-delta') controller.abort();
      assert.equal(await text(engine.generate(request())), 'Hello');
      assert.equal(connections, 2, 'the cut stream\'s socket is not reused');
    } finally {
      await engine.dispose();
    }
  });
});
