import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { startTestServer, TEST_MODEL, type TestServer } from '../testing/test-server.js';
import { responseOf, WsTestClient } from '../testing/ws-test-client.js';
import { isOriginAllowed } from '../is-origin-allowed.js';

const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';

/** Sends a raw upgrade request and returns the answer's status, headers and body (101 = upgraded). */
function upgrade(url: string, headers: Record<string, string> = {}, path = '/v1/responses'): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${url}${path}`, {
      agent: false,
      headers: { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': KEY, ...headers },
    });
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => { body += chunk; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve({ status: res.statusCode ?? 0, headers: res.headers, body: '' });
    });
    req.on('error', reject);
    req.end();
  });
}

void describe('WebSocket handshake', () => {
  let t: TestServer;
  before(async () => { t = await startTestServer({ apiKeys: ['sk-ws'], websocket: { allowedOrigins: ['https://app.example'] } }); });
  after(async () => { await t.server.close(); });

  void it('upgrades GET /v1/responses with a valid Bearer key (101), ignoring OpenAI-Beta, with no subprotocol', async () => {
    const answer = await upgrade(t.url, { authorization: 'Bearer sk-ws', 'openai-beta': 'responses_websockets=2026-02-06' });
    assert.equal(answer.status, 101);
    assert.equal(answer.headers['sec-websocket-protocol'], undefined);
    assert.equal(answer.headers['sec-websocket-extensions'], undefined);
  });

  void it('answers a bad or missing key with 401 and the JSON error body, before upgrading', async () => {
    for (const authorization of [undefined, 'Bearer wrong']) {
      const answer = await upgrade(t.url, authorization ? { authorization } : {});
      assert.equal(answer.status, 401);
      assert.match(String(answer.headers['content-type']), /^application\/json/);
      assert.match(String(answer.headers['x-request-id']), /^req_/);
      assert.equal((JSON.parse(answer.body) as { error: { code: string } }).error.code, 'invalid_api_key');
    }
  });

  void it('rejects a disallowed browser Origin with 403; allows loopback, same-IP-host and listed origins', async () => {
    const auth = { authorization: 'Bearer sk-ws' };
    const denied = await upgrade(t.url, { ...auth, origin: 'https://evil.example' });
    assert.equal(denied.status, 403);
    assert.equal((JSON.parse(denied.body) as { error: { code: string } }).error.code, 'origin_not_allowed');
    for (const origin of ['http://localhost:5173', 'http://127.0.0.1:3000', 'https://app.example', t.url]) {
      assert.equal((await upgrade(t.url, { ...auth, origin })).status, 101, origin);
    }
  });

  void it('answers other paths with 404 and a plain GET with 405', async () => {
    assert.equal((await upgrade(t.url, { authorization: 'Bearer sk-ws' }, '/v1/realtime')).status, 404);
    const plain = await fetch(`${t.url}/v1/responses`, { headers: { authorization: 'Bearer sk-ws' } });
    assert.equal(plain.status, 405);
  });

  void it('counts handshakes in the metrics', async () => {
    const client = await WsTestClient.connect(t.url, { apiKey: 'sk-ws' });
    const text = await (await fetch(`${t.url}/metrics`)).text();
    assert.match(text, /spark_http_requests_total\{method="GET",route="\/v1\/responses",status="101"\} \d+\n/);
    assert.match(text, /spark_http_requests_total\{method="GET",route="\/v1\/responses",status="401"\} \d+\n/);
    assert.match(text, /spark_websocket_connections [1-9]\d*\n/);
    assert.match(text, /spark_websocket_connections_total [1-9]\d*\n/);
    client.close();
    await client.closed;
  });
});

void describe('WebSocket disabled', () => {
  let t: TestServer;
  before(async () => { t = await startTestServer({ websocket: false }); });
  after(async () => { await t.server.close(); });

  void it('answers the upgrade with 426 so clients fall back to HTTP, which keeps working', async () => {
    const answer = await upgrade(t.url);
    assert.equal(answer.status, 426);
    assert.equal((JSON.parse(answer.body) as { error: { code: string } }).error.code, 'websocket_not_supported');
    const response = await t.client.responses.create({ model: TEST_MODEL, input: 'over http' });
    assert.equal(response.output_text, 'You said: over http');
  });
});

void describe('server close()', () => {
  void it('ends in-flight WebSocket responses as incomplete, then closes the socket with 1001', async () => {
    const t = await startTestServer();
    const client = await WsTestClient.connect(t.url);
    client.send({ type: 'response.create', model: TEST_MODEL, input: 'slow 5000' });
    await client.waitFor((frame) => frame['type'] === 'response.output_text.delta');
    await t.server.close();
    const [last] = (await client.turn()).slice(-1);
    assert.equal(last?.['type'], 'response.incomplete');
    assert.equal(responseOf(last).incomplete_details?.reason, 'interrupted');
    assert.equal((await client.closed).code, 1001);
    assert.equal(t.engine.stats().activeSequences, 0);
  });
});

void describe('isOriginAllowed', () => {
  void it('allows no Origin, loopback origins, same IP-literal host and listed origins only', () => {
    assert.equal(isOriginAllowed(undefined, 'x', []), true);
    assert.equal(isOriginAllowed('http://localhost:5173', '127.0.0.1:8000', []), true);
    assert.equal(isOriginAllowed('http://[::1]:5173', '127.0.0.1:8000', []), true);
    assert.equal(isOriginAllowed('http://192.168.1.5:8000', '192.168.1.5:8000', []), true);
    assert.equal(isOriginAllowed('http://192.168.1.5:9000', '192.168.1.5:8000', []), false);
    // Same host by DNS name is what a DNS-rebinding page looks like: it must be listed.
    assert.equal(isOriginAllowed('http://rebind.example:8000', 'rebind.example:8000', []), false);
    assert.equal(isOriginAllowed('https://app.example', 'x', ['https://app.example']), true);
    assert.equal(isOriginAllowed('https://other.example', 'x', ['*']), true);
    assert.equal(isOriginAllowed('null', 'x', []), false);
    assert.equal(isOriginAllowed('file://', 'x', []), false);
  });
});
