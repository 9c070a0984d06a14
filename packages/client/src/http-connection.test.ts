import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, createServer as createTcpServer, type AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ClientError } from './client-error.js';
import type { ClientEvent } from './client-events.js';
import { connectResponses } from './connect-responses.js';
import type { ToolParam } from './responses-connection.js';
import type { ResponsesConnection } from './responses-connection.js';
import { collect, deltaText, errorOf, typesOf } from './testing/collect-events.js';
import { startTestServer, steps, TEST_CONTEXT_SIZE, TEST_MODEL, type TestServer } from '@spark/server/testing';

const LOOKUP_TOOL: ToolParam = { type: 'function', name: 'lookup', parameters: { type: 'object', properties: { q: { type: 'string' } } } };

function hasCode(code: string, status?: number): (error: unknown) => boolean {
  return (error) => ClientError.is(error) && error.code === code && error.status === status;
}

async function waitUntil(predicate: () => boolean): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

void describe('HTTP connection keep-alive', () => {
  void it('streams turn after turn over one TCP connection (the body is read to its end, not cancelled)', async () => {
    const t = await startTestServer();
    // A TCP relay in front of the server, counting the connections the client opens.
    let connections = 0;
    const relay = createTcpServer((socket) => {
      connections += 1;
      const upstream = connect(t.server.port, '127.0.0.1');
      socket.pipe(upstream).pipe(socket);
      socket.on('error', () => upstream.destroy());
      upstream.on('error', () => socket.destroy());
    });
    await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
    const connection = await connectResponses({ baseUrl: `http://127.0.0.1:${(relay.address() as AddressInfo).port}/v1`, apiKey: 'test-key', transport: 'http' });
    try {
      for (const text of ['one', 'two', 'three']) {
        assert.equal(deltaText(await collect(connection.stream({ model: TEST_MODEL, input: text }))), `You said: ${text}`);
      }
      assert.equal(connections, 1);
    } finally {
      await connection.close();
      relay.close();
      await t.server.close();
    }
  });
});

void describe('HTTP connection against Spark', () => {
  let t: TestServer;
  let connection: ResponsesConnection;
  before(async () => {
    t = await startTestServer();
    connection = await connectResponses({ baseUrl: t.baseUrl, apiKey: 'test-key', transport: 'http' });
  });
  after(async () => {
    await connection.close();
    await t.server.close();
  });

  void it('streams a text response from response.created to response.completed', async () => {
    assert.equal(connection.kind, 'http');
    assert.equal(connection.connectionEpoch, 0);
    const events = await collect(connection.stream({ model: TEST_MODEL, input: 'hello', store: false }));
    assert.equal(events[0]?.type, 'response.created');
    assert.equal(events.at(-1)?.type, 'response.completed');
    assert.equal(deltaText(events), 'You said: hello');
    assert.ok(!typesOf(events).includes('error'));
  });

  void it('streams a function call item, and continues a stored response with its output', async () => {
    const events = await collect(connection.stream({
      model: TEST_MODEL, input: steps({ type: 'tool_call', name: 'lookup', arguments: '{"q":"x"}' }), tools: [LOOKUP_TOOL], store: true,
    }));
    const done = events.find((event) => event.type === 'response.output_item.done');
    assert.ok(done?.type === 'response.output_item.done' && done.item.type === 'function_call');
    assert.deepEqual([done.item.name, done.item.arguments], ['lookup', '{"q":"x"}']);
    const last = events.at(-1);
    assert.ok(last?.type === 'response.completed');
    const next = await collect(connection.stream({
      model: TEST_MODEL, previous_response_id: last.response.id, tools: [LOOKUP_TOOL],
      input: [{ type: 'function_call_output', call_id: done.item.call_id, output: '42' }],
    }));
    assert.equal(deltaText(next), 'Result: 42');
  });

  void it('throws the HTTP error as a ClientError with code, status and param', async () => {
    const error = await errorOf(connection.stream({ model: 'no-such-model', input: 'hi' }));
    assert.ok(hasCode('model_not_found', 404)(error));
    assert.equal((error as ClientError).param, 'model');
  });

  void it('has no steering', () => {
    assert.throws(() => connection.steer('resp_1', 'more'), hasCode('steering_not_supported'));
  });

  void it('abort cancels the response on the server (POST /responses/{id}/cancel): the stream yields the cancelled response with its usage, then ends', async () => {
    const controller = new AbortController();
    const seen: ClientEvent[] = [];
    let deltas = 0;
    for await (const event of connection.stream({ model: TEST_MODEL, input: 'slow 500', store: false }, { signal: controller.signal })) {
      seen.push(event);
      if (event.type === 'response.output_text.delta' && ++deltas === 3) controller.abort();
    }
    const last = seen.at(-1);
    assert.ok(last?.type === 'response.incomplete', `the terminal event still arrives, got ${last?.type}`);
    assert.equal(last.response.status, 'cancelled');
    assert.ok((last.response.usage?.output_tokens ?? 0) >= 3, 'with the usage of what was generated');
    assert.ok(seen.filter((event) => event.type === 'response.output_text.delta').length < 500, 'the generation stopped early');
    await waitUntil(() => t.engine.stats().activeSequences === 0);
    // An already aborted signal never sends the request.
    const requests = t.engine.requests.length;
    const error = await errorOf(connection.stream({ model: TEST_MODEL, input: 'hi' }, { signal: AbortSignal.abort() }));
    assert.ok(hasCode('aborted')(error));
    assert.equal((error as Error).name, 'AbortError');
    assert.equal(t.engine.requests.length, requests);
  });

  void it('abort against a server that refuses the cancel: the request is aborted and the stream throws `aborted` at once', async () => {
    // A Responses server without in-flight cancel (OpenAI cancels only background responses): 400 on the cancel route.
    let cancels = 0;
    let streamClosed = false;
    const server = createServer((req, res) => {
      req.resume();
      if (req.url?.endsWith('/cancel')) {
        cancels += 1;
        res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":{"message":"Only background responses can be cancelled.","type":"invalid_request_error","param":null,"code":null}}');
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`event: response.created\ndata: ${JSON.stringify({ type: 'response.created', sequence_number: 0, response: { id: 'resp_x', object: 'response', status: 'in_progress', output: [] } })}\n\n`);
      let n = 0;
      const timer = setInterval(() => {
        res.write(`event: response.output_text.delta\ndata: ${JSON.stringify({ type: 'response.output_text.delta', sequence_number: ++n, item_id: 'msg_x', output_index: 0, content_index: 0, delta: 'w ', logprobs: [] })}\n\n`);
      }, 5);
      res.on('close', () => { clearInterval(timer); streamClosed = true; });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const other = await connectResponses({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, transport: 'http', cancelGraceMs: 60_000 });
    try {
      const controller = new AbortController();
      let deltas = 0;
      const started = Date.now();
      const error = await errorOf((async function* abortAfterDeltas() {
        for await (const event of other.stream({ model: 'm', input: 'hi' }, { signal: controller.signal })) {
          yield event;
          if (event.type === 'response.output_text.delta' && ++deltas === 2) controller.abort();
        }
      })());
      assert.ok(hasCode('aborted')(error));
      assert.ok(Date.now() - started < 10_000, 'not the 60 s grace: the refusal ends it');
      assert.equal(cancels, 1);
      await waitUntil(() => streamClosed);
    } finally {
      await other.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  void it('leaving the loop early cancels the request', async () => {
    for await (const event of connection.stream({ model: TEST_MODEL, input: 'slow 500', store: false })) {
      if (event.type === 'response.output_text.delta') break;
    }
    await waitUntil(() => t.engine.stats().activeSequences === 0);
  });

  void it('lists models with their context window', async () => {
    assert.deepEqual(await connection.listModels(), [{ id: TEST_MODEL, contextWindow: TEST_CONTEXT_SIZE }]);
  });
});

/** A raw HTTP server whose answers each test scripts. */
async function startRawServer(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ server: Server; baseUrl: string }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1` };
}

async function stopRawServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}

const RESPONSE = { id: 'resp_1', object: 'response', status: 'completed', output: [] };
const sse = (data: object, event?: string): string => `${event === undefined ? '' : `event: ${event}\n`}data: ${JSON.stringify(data)}\n\n`;

void describe('HTTP connection against other servers', () => {
  let answer: (req: IncomingMessage, res: ServerResponse) => void = () => undefined;
  let raw: { server: Server; baseUrl: string };
  let lastBody: Record<string, unknown> = {};
  let lastHeaders: IncomingMessage['headers'] = {};
  before(async () => {
    raw = await startRawServer((req, res) => {
      lastHeaders = req.headers;
      let body = '';
      req.on('data', (chunk: Buffer) => { body += chunk.toString('utf8'); });
      req.on('end', () => {
        lastBody = body === '' ? {} : JSON.parse(body) as Record<string, unknown>;
        answer(req, res);
      });
    });
  });
  after(async () => { await stopRawServer(raw.server); });

  const connect = (maxEventBytes?: number): Promise<ResponsesConnection> =>
    connectResponses({ baseUrl: raw.baseUrl, apiKey: 'k', transport: 'http', headers: { 'X-Extra': 'yes' }, ...(maxEventBytes === undefined ? {} : { maxEventBytes }) });

  void it('sends stream:true without stream_id, with the key and headers, and reads pings, CRLF, odd chunks and unknown events', async () => {
    const text = [
      ': ping\r\n\r\n',
      sse({ type: 'response.created', sequence_number: 0, response: { ...RESPONSE, status: 'in_progress' } }).replaceAll('\n', '\r\n'),
      sse({ type: 'response.web_search_call.searching', sequence_number: 1 }, 'response.web_search_call.searching'),
      `data: ${JSON.stringify({ type: 'response.output_text.delta', sequence_number: 2, item_id: 'm', output_index: 0, content_index: 0, delta: 'h\u00e9\u{1F600}', logprobs: [] })}\n\n`,
      sse({ type: 'response.completed', sequence_number: 3, response: RESPONSE }, 'response.completed'),
      'data: [DONE]\n\n',
    ].join('');
    answer = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8' });
      // Byte-sized writes, so events, CRLF pairs and characters arrive cut.
      const bytes = Buffer.from(text);
      let offset = 0;
      const write = (): void => {
        if (offset >= bytes.length) { res.end(); return; }
        res.write(bytes.subarray(offset, offset + 7));
        offset += 7;
        setImmediate(write);
      };
      write();
    };
    const connection = await connect();
    const events = await collect(connection.stream({ model: 'm', input: 'hi', stream_id: 'lane' }));
    assert.deepEqual(typesOf(events), ['response.created', 'response.output_text.delta', 'response.completed']);
    assert.equal(deltaText(events), 'h\u00e9\u{1F600}');
    assert.deepEqual(lastBody, { model: 'm', input: 'hi', stream: true });
    assert.equal(lastHeaders['authorization'], 'Bearer k');
    assert.equal(lastHeaders['accept'], 'text/event-stream');
    assert.equal(lastHeaders['x-extra'], 'yes');
  });

  void it('a stream that ends, or says [DONE], before the terminal event throws connection_closed', async () => {
    const created = sse({ type: 'response.created', sequence_number: 0, response: { ...RESPONSE, status: 'in_progress' } });
    const connection = await connect();
    for (const tail of ['', 'data: [DONE]\n\n', 'data: {"type":"response.completed"']) {
      answer = (_req, res) => { res.writeHead(200, { 'content-type': 'text/event-stream' }); res.end(created + tail); };
      const seen: ClientEvent[] = [];
      assert.ok(hasCode('connection_closed')(await errorOf(connection.stream({ model: 'm', input: 'hi' }), seen)), JSON.stringify(tail));
      assert.deepEqual(typesOf(seen), ['response.created']);
    }
  });

  void it('throws the stream error event, malformed events and oversized events as ClientErrors', async () => {
    const cases: Array<[string, string, number | undefined]> = [
      [sse({ type: 'error', sequence_number: 0, code: 'server_is_overloaded', message: 'busy', param: null }, 'error'), 'server_is_overloaded', undefined],
      ['data: {"type":"response.created","sequence_number":0}\n\n', 'invalid_event', undefined],
      ['data: not json\n\n', 'invalid_event', undefined],
      [`data: "${'x'.repeat(2000)}"\n\n`, 'event_too_large', 1024],
    ];
    for (const [body, code, limit] of cases) {
      answer = (_req, res) => { res.writeHead(200, { 'content-type': 'text/event-stream' }); res.end(body); };
      const connection = await connect(limit);
      assert.ok(hasCode(code)(await errorOf(connection.stream({ model: 'm', input: 'hi' }))), code);
    }
  });

  void it('maps error bodies, including ones that are not JSON, and keeps retry-after', async () => {
    const connection = await connect();
    answer = (_req, res) => {
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '3' });
      res.end(JSON.stringify({ error: { type: 'rate_limit_error', code: 'rate_limit_exceeded', message: 'Please try again in 3s.', param: null } }));
    };
    const limited = await errorOf(connection.stream({ model: 'm', input: 'hi' }));
    assert.ok(hasCode('rate_limit_exceeded', 429)(limited));
    assert.deepEqual((limited as ClientError).headers, { 'retry-after': '3' });
    answer = (_req, res) => { res.writeHead(502, { 'content-type': 'text/html' }); res.end('<html>bad gateway</html>'); };
    assert.ok(hasCode('http_error', 502)(await errorOf(connection.stream({ model: 'm', input: 'hi' }))));
    answer = (_req, res) => { res.writeHead(200, { 'content-type': 'application/json' }); res.end('{}'); };
    assert.ok(hasCode('invalid_response', 200)(await errorOf(connection.stream({ model: 'm', input: 'hi' }))));
  });

  void it('reads vLLM\'s max_model_len as the context window and leaves it out when absent or invalid', async () => {
    answer = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ object: 'list', data: [{ id: 'a', max_model_len: 32768 }, { id: 'b' }, { id: 'c', context_window: 'big' }, { id: 'd', context_window: 8192, max_model_len: 1 }] }));
    };
    const connection = await connect();
    assert.deepEqual(await connection.listModels(), [{ id: 'a', contextWindow: 32768 }, { id: 'b' }, { id: 'c' }, { id: 'd', contextWindow: 8192 }]);
  });

  void it('a server that never answers times out with connect_timeout', async () => {
    answer = () => undefined;
    const connection = await connectResponses({ baseUrl: raw.baseUrl, transport: 'http', connectTimeoutMs: 50 });
    assert.ok(hasCode('connect_timeout')(await errorOf(connection.stream({ model: 'm', input: 'hi' }))));
    await assert.rejects(connection.listModels(), hasCode('connect_timeout'));
  });
});
