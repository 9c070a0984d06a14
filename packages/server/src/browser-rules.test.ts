import assert from 'node:assert/strict';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { checkContentType } from './browser-rules.js';
import { errorOf } from './testing/sse-frames.js';
import { startTestServer, TEST_MODEL, testScript, type TestServer } from './testing/test-server.js';

interface Answer { status: number; headers: IncomingHttpHeaders; text: string }

/** An HTTP request with any headers (fetch may not set `Host`), fully read. */
function send(url: string, options: { method?: string; headers?: Record<string, string>; body?: string; path?: string } = {}): Promise<Answer> {
  const target = new URL(options.path ?? '/v1/models', url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(target, { method: options.method ?? 'GET', headers: options.headers ?? {}, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => { text += chunk; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Opens a WebSocket with the given headers; resolves with 101 or the refusal's status and body. */
function upgrade(url: string, headers: Record<string, string>): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/v1/responses`, { headers: { authorization: 'Bearer k', ...headers } });
    ws.once('open', () => { ws.close(); resolve({ status: 101, text: '' }); });
    ws.once('unexpected-response', (_req, res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => { text += chunk; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    ws.once('error', reject);
  });
}

const BODY = JSON.stringify({ model: TEST_MODEL, input: 'hello' });
const JSON_TYPE = { 'content-type': 'application/json' };

void describe('browser rules on a loopback server', () => {
  let t: TestServer;
  let generations = 0;
  before(async () => {
    t = await startTestServer({
      allowedHosts: ['spark.lan'], corsOrigins: ['https://app.example'],
      engineOptions: { script: (request) => { generations += 1; return testScript(request); } },
    });
  });
  after(async () => { await t.server.close(); });

  void it('refuses a cross-origin simple POST (text/plain) before anything runs', async () => {
    const before = generations;
    const crossOrigin = await send(t.url, { method: 'POST', path: '/v1/responses', body: BODY, headers: { 'content-type': 'text/plain', origin: 'https://evil.example' } });
    assert.equal(crossOrigin.status, 403);
    assert.equal(errorOf(JSON.parse(crossOrigin.text)).code, 'origin_not_allowed');
    const plainText = await send(t.url, { method: 'POST', path: '/v1/responses', body: BODY, headers: { 'content-type': 'text/plain' } });
    assert.equal(plainText.status, 415);
    assert.equal(errorOf(JSON.parse(plainText.text)).code, 'unsupported_media_type');
    assert.equal(generations, before);
  });

  void it('refuses a foreign Host on GET and POST, saying how to allow it', async () => {
    for (const options of [{}, { method: 'POST', path: '/v1/responses', body: BODY, headers: JSON_TYPE }]) {
      const answer = await send(t.url, { ...options, headers: { ...options.headers, host: 'rebind.evil.example:8000' } });
      assert.equal(answer.status, 403);
      const error = errorOf(JSON.parse(answer.text));
      assert.equal(error.code, 'host_not_allowed');
      assert.match(error.message, /--allowed-host rebind\.evil\.example/);
    }
    assert.equal((await send(t.url, { path: '/healthz', headers: { host: 'rebind.evil.example' } })).status, 403);
  });

  void it('accepts loopback names and addresses on any port, and allowed hosts', async () => {
    for (const host of ['localhost:1234', '127.0.0.1', '127.1.2.3:80', '[::1]:9', 'LOCALHOST.', 'spark.lan:8000', 'Spark.LAN']) {
      assert.equal((await send(t.url, { headers: { host } })).status, 200, host);
    }
    assert.equal((await send(t.url, { method: 'POST', path: '/v1/responses', body: BODY, headers: { ...JSON_TYPE, host: 'spark.lan' } })).status, 200);
  });

  void it('answers a CORS preflight for a named origin, and refuses others', async () => {
    const preflight = await send(t.url, {
      method: 'OPTIONS', path: '/v1/responses',
      headers: { origin: 'https://app.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type, x-stainless-os' },
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers['access-control-allow-origin'], 'https://app.example');
    assert.match(String(preflight.headers['access-control-allow-methods']), /POST/);
    assert.equal(preflight.headers['access-control-allow-headers'], 'authorization, content-type, x-stainless-os');
    assert.equal(preflight.headers['access-control-max-age'], '600');
    assert.match(String(preflight.headers.vary), /Origin/);
    const foreign = await send(t.url, { method: 'OPTIONS', path: '/v1/responses', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
    assert.equal(foreign.status, 403);
    assert.equal(foreign.headers['access-control-allow-origin'], undefined);
  });

  void it('puts Access-Control-Allow-Origin on a named origin\'s JSON and SSE answers only', async () => {
    const json = await send(t.url, { method: 'POST', path: '/v1/responses', body: BODY, headers: { ...JSON_TYPE, origin: 'https://app.example' } });
    assert.equal(json.status, 200);
    assert.equal(json.headers['access-control-allow-origin'], 'https://app.example');
    assert.match(String(json.headers.vary), /Origin/);
    const sse = await send(t.url, { method: 'POST', path: '/v1/responses', body: JSON.stringify({ model: TEST_MODEL, input: 'x', stream: true }), headers: { ...JSON_TYPE, origin: 'https://app.example' } });
    assert.match(String(sse.headers['content-type']), /^text\/event-stream/);
    assert.equal(sse.headers['access-control-allow-origin'], 'https://app.example');
    // A loopback page may send (same rule as the WebSocket) but gets no CORS headers: it cannot read the answer.
    const local = await send(t.url, { headers: { origin: 'http://localhost:5173' } });
    assert.equal(local.status, 200);
    assert.equal(local.headers['access-control-allow-origin'], undefined);
  });

  void it('applies the same Host and Origin rules to the WebSocket upgrade', async () => {
    const foreignHost = await upgrade(t.url, { host: 'rebind.evil.example' });
    assert.equal(foreignHost.status, 403);
    assert.equal(errorOf(JSON.parse(foreignHost.text)).code, 'host_not_allowed');
    assert.equal((await upgrade(t.url, { host: 'spark.lan:1' })).status, 101);
    assert.equal((await upgrade(t.url, { origin: 'https://app.example' })).status, 101);
    const foreignOrigin = await upgrade(t.url, { origin: 'https://evil.example' });
    assert.equal(foreignOrigin.status, 403);
    assert.equal(errorOf(JSON.parse(foreignOrigin.text)).code, 'origin_not_allowed');
  });
});

void describe('browser rules with API keys', () => {
  void it('still refuse a foreign Host and Origin on a loopback bind with a valid key', async () => {
    const t = await startTestServer({ apiKeys: ['sk-1'] });
    try {
      const auth = { authorization: 'Bearer sk-1' };
      assert.equal((await send(t.url, { headers: { ...auth, host: 'rebind.evil.example' } })).status, 403);
      assert.equal((await send(t.url, { method: 'POST', path: '/v1/responses', body: BODY, headers: { ...auth, ...JSON_TYPE, origin: 'https://evil.example' } })).status, 403);
      assert.equal((await send(t.url, { method: 'POST', path: '/v1/responses', body: BODY, headers: { ...auth, 'content-type': 'text/plain' } })).status, 415);
      assert.equal((await t.client.responses.create({ model: TEST_MODEL, input: 'sdk' }, { headers: auth })).status, 'completed');
    } finally {
      await t.server.close();
    }
  });

  void it('accept any Host on a non-loopback bind (the key is the wall), unless allowed hosts are named', async () => {
    const open = await startTestServer({ host: '0.0.0.0', apiKeys: ['sk-1'] });
    const narrowed = await startTestServer({ host: '0.0.0.0', apiKeys: ['sk-1'], allowedHosts: ['gpu.lan'] });
    try {
      const local = (server: TestServer): string => `http://127.0.0.1:${server.server.port}`;
      const auth = { authorization: 'Bearer sk-1' };
      assert.equal((await send(local(open), { headers: { ...auth, host: 'gpu-box.example:8000' } })).status, 200);
      assert.equal((await send(local(open), { headers: { host: 'gpu-box.example:8000' } })).status, 401);
      assert.equal((await send(local(narrowed), { headers: { ...auth, host: 'gpu-box.example' } })).status, 403);
      assert.equal((await send(local(narrowed), { headers: { ...auth, host: 'gpu.lan' } })).status, 200);
    } finally {
      await open.server.close();
      await narrowed.server.close();
    }
  });
});

void describe('checkContentType', () => {
  void it('accepts application/json with an optional UTF-8 charset only', () => {
    for (const ok of ['application/json', 'application/json; charset=utf-8', 'APPLICATION/JSON;charset="UTF-8"']) assert.equal(checkContentType(ok), undefined, ok);
    for (const bad of [undefined, '', 'text/plain', 'text/plain;charset=UTF-8', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=latin1', 'application/jsonx']) {
      assert.equal(checkContentType(bad)?.status, 415, String(bad));
    }
  });
});
