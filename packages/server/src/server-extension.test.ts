import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { WebSocketServer, WebSocket } from 'ws';
import type { ServerExtension } from './server-extension.js';
import { startTestServer, type TestServer } from './testing/test-server.js';

/** An extension that answers `/hello` and echoes on a WebSocket at `/v1/echo`, reporting what the server told it. */
function echoExtension(seen: string[]): ServerExtension {
  const wss = new WebSocketServer({ noServer: true });
  return {
    name: 'echo',
    upgradePaths: ['/v1/echo'],
    handleUpgrade: (req, socket, head, context) => {
      seen.push(`upgrade key=${String(context.hasApiKey(req.headers.authorization))} required=${String(context.apiKeysRequired)}`);
      wss.handleUpgrade(req, socket, head, (ws) => { ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary })); });
    },
    handleRequest: async (_req, res, context) => {
      if (context.url.pathname !== '/hello') return false;
      res.writeHead(200, { 'content-type': 'text/plain' }).end('hello');
      return true;
    },
    close: async () => { seen.push('closed'); wss.close(); },
  };
}

function upgrade(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('open', () => { ws.close(); resolve(101); });
    ws.once('unexpected-response', (_req, res) => { res.resume(); resolve(res.statusCode ?? 0); });
    ws.once('error', reject);
  });
}

void describe('server extensions (mount)', () => {
  let t: TestServer;
  const seen: string[] = [];
  before(async () => {
    t = await startTestServer({ apiKeys: ['sk-one'] });
    t.server.mount(echoExtension(seen));
  });
  after(async () => { await t.server.close(); });

  void it('serves pages outside /v1 that no route matches, and 404s the rest as JSON', async () => {
    const hello = await fetch(`${t.url}/hello`);
    assert.equal(hello.status, 200);
    assert.equal(await hello.text(), 'hello');
    const missing = await fetch(`${t.url}/nothing-here`);
    assert.equal(missing.status, 404);
    assert.match(((await missing.json()) as { error: { message: string } }).error.message, /Unknown route: \/nothing-here/);
  });

  void it('takes upgrades on its paths without the API key check, telling it whether a key came', async () => {
    const ws = `${t.url.replace('http', 'ws')}/v1/echo`;
    assert.equal(await upgrade(ws), 101);
    assert.equal(await upgrade(ws, { authorization: 'Bearer sk-one' }), 101);
    assert.deepEqual(seen.slice(0, 2), ['upgrade key=false required=true', 'upgrade key=true required=true']);
    // Other /v1 upgrades still need the key.
    assert.equal(await upgrade(`${t.url.replace('http', 'ws')}/v1/responses`), 401);
  });

  void it('applies the Host and Origin rules before the extension sees anything', async () => {
    const before = seen.length;
    const ws = `${t.url.replace('http', 'ws')}/v1/echo`;
    assert.equal(await upgrade(ws, { origin: 'https://evil.example' }), 403);
    assert.equal(await upgrade(ws, { host: 'evil.example' }), 403);
    const status = await new Promise<number>((resolve, reject) => {
      request(`${t.url}/hello`, { headers: { host: 'rebind.example' } }, (res) => { res.resume(); resolve(res.statusCode ?? 0); }).on('error', reject).end();
    });
    assert.equal(status, 403);
    assert.equal(seen.length, before);
  });

  void it('closes mounted extensions when the server closes, and refuses mounts after', async () => {
    const other = await startTestServer();
    const log: string[] = [];
    other.server.mount(echoExtension(log));
    await other.server.close();
    assert.deepEqual(log, ['closed']);
    assert.throws(() => other.server.mount(echoExtension(log)), /closing/);
  });
});
