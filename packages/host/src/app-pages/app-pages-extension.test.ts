import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '@spark/server/testing';
import { appTokenCookieName } from '../wire/host-paths.js';
import { createAppPagesExtension } from './app-pages-extension.js';

const TOKEN = 'tok_0123456789abcdef0123456789abcdef';

interface RawAnswer { status: number; headers: Record<string, string | string[] | undefined>; body: string }

/** A request with exactly this path (fetch would normalise `..` away) and these headers. */
function raw(url: string, path: string, options: { method?: string; headers?: Record<string, string> } = {}): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const req = request({ host: target.hostname, port: target.port, path, method: options.method ?? 'GET', headers: options.headers ?? {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => { resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }); });
    });
    req.on('error', reject);
    req.end();
  });
}

void describe('app pages (token, cookie, assets)', () => {
  let t: TestServer;
  let dir: string;
  let assets: string;
  const cookieName = (): string => appTokenCookieName(new URL(t.url).host);
  const cookie = (): Record<string, string> => ({ cookie: `${cookieName()}=${TOKEN}` });
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'spark-app-pages-'));
    assets = join(dir, 'dist');
    await mkdir(join(assets, 'assets'), { recursive: true });
    await writeFile(join(assets, 'index.html'), '<!doctype html><script type="module" src="/assets/index-abc123.js"></script>');
    await writeFile(join(assets, 'assets', 'index-abc123.js'), 'console.log("app")');
    await writeFile(join(assets, 'assets', 'index-abc123.css'), 'body{}');
    await writeFile(join(dir, 'secret.txt'), 'outside the assets');
    await symlink(join(dir, 'secret.txt'), join(assets, 'assets', 'link.txt'));
    t = await startTestServer();
    t.server.mount(createAppPagesExtension({ assetsDir: assets, token: TOKEN }));
  });
  after(async () => {
    await t.server.close();
    await rm(dir, { recursive: true, force: true });
  });

  void it('trades the token in the URL for an HttpOnly SameSite=Strict cookie and redirects to a URL without it', async () => {
    const answer = await raw(t.url, `/?token=${TOKEN}&view=x`);
    assert.equal(answer.status, 302);
    assert.equal(answer.headers['location'], '/?view=x');
    const setCookie = String(answer.headers['set-cookie']);
    assert.match(setCookie, new RegExp(`^${cookieName()}=${TOKEN};`));
    assert.match(setCookie, /HttpOnly/);
    assert.match(setCookie, /SameSite=Strict/);
    assert.match(setCookie, /Path=\//);
    assert.equal(answer.headers['referrer-policy'], 'no-referrer');
  });

  void it('refuses the page and its assets without the token (401, a page saying what to open), and a wrong token in the URL', async () => {
    for (const path of ['/', '/index.html', '/assets/index-abc123.js', `/?token=${TOKEN.slice(0, -1)}x`]) {
      const answer = await raw(t.url, path);
      assert.equal(answer.status, 401, path);
      assert.match(answer.body, /spark app/);
      assert.equal(answer.headers['set-cookie'], undefined);
    }
    const wrongCookie = await raw(t.url, '/', { headers: { cookie: `${cookieName()}=nope` } });
    assert.equal(wrongCookie.status, 401);
    // Cookies ignore ports: another port's cookie (another `spark app`) must not count here, nor log this one out.
    const otherPort = await raw(t.url, '/', { headers: { cookie: `${appTokenCookieName('127.0.0.1:1')}=${TOKEN}` } });
    assert.equal(otherPort.status, 401);
    assert.notEqual(cookieName(), appTokenCookieName('127.0.0.1:1'));
  });

  void it('serves index.html with a strict CSP and no-cache, hashed assets immutable, each with its content type', async () => {
    const page = await raw(t.url, '/', { headers: { ...cookie(), host: `127.0.0.1:${new URL(t.url).port}` } });
    assert.equal(page.status, 200);
    assert.equal(page.headers['content-type'], 'text/html; charset=utf-8');
    assert.equal(page.headers['cache-control'], 'no-cache');
    assert.equal(page.headers['x-content-type-options'], 'nosniff');
    assert.equal(page.headers['referrer-policy'], 'no-referrer');
    const csp = String(page.headers['content-security-policy']);
    assert.match(csp, /default-src 'self'/);
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    assert.match(csp, new RegExp(`connect-src 'self' ws://127\\.0\\.0\\.1:${new URL(t.url).port} wss://`));
    assert.match(page.body, /index-abc123\.js/);
    const js = await raw(t.url, '/assets/index-abc123.js', { headers: cookie() });
    assert.equal(js.status, 200);
    assert.equal(js.headers['content-type'], 'text/javascript; charset=utf-8');
    assert.match(String(js.headers['cache-control']), /immutable/);
    assert.equal(js.body, 'console.log("app")');
    const css = await raw(t.url, '/assets/index-abc123.css', { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(css.headers['content-type'], 'text/css; charset=utf-8');
  });

  void it('answers HEAD with the headers and no body', async () => {
    const head = await raw(t.url, '/assets/index-abc123.js', { method: 'HEAD', headers: cookie() });
    assert.equal(head.status, 200);
    assert.equal(head.headers['content-length'], String('console.log("app")'.length));
    assert.equal(head.body, '');
    const refused = await raw(t.url, '/', { method: 'HEAD' });
    assert.equal(refused.status, 401);
    assert.equal(refused.body, '');
  });

  void it('never serves a file outside the assets folder (.., encoded .., symlinks) and 404s what is missing', async () => {
    for (const path of ['/../secret.txt', '/assets/../../secret.txt', '/%2e%2e/secret.txt', '/assets/%2e%2e%2f%2e%2e%2fsecret.txt', '/assets/link.txt', '/%00', '/nothing.js']) {
      const answer = await raw(t.url, path, { headers: cookie() });
      assert.notEqual(answer.status, 200, path);
      assert.doesNotMatch(answer.body, /outside the assets/, path);
    }
    assert.equal((await raw(t.url, '/nothing.js', { headers: cookie() })).status, 404);
  });

  void it('leaves /v1 to the API and refuses other methods', async () => {
    const models = await raw(t.url, '/v1/models');
    assert.equal(models.status, 200);
    const post = await raw(t.url, '/', { method: 'POST', headers: cookie() });
    assert.equal(post.status, 405);
  });
});
