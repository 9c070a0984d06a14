import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { fetchRemoteMetadata, readMetadata } from './fetch-remote-metadata.js';

const SHA = 'ab'.repeat(32);

void test('reads the linked sha256 and size; trusts a 64-hex ETag only on the hub', () => {
  assert.deepEqual(readMetadata(new Headers({ 'x-linked-etag': `"${SHA}"`, 'x-linked-size': '42' }), { etag: false, contentLength: false }), {
    sha256: SHA,
    sizeBytes: 42,
  });
  const plain = new Headers({ etag: `W/"${SHA.toUpperCase()}"`, 'content-length': '7' });
  assert.deepEqual(readMetadata(plain, { etag: true, contentLength: true }), { sha256: SHA, sizeBytes: 7 });
  assert.deepEqual(readMetadata(plain, { etag: false, contentLength: false }), {});
  assert.deepEqual(readMetadata(new Headers({ etag: '"abc123"' }), { etag: true, contentLength: false }), {});
});

void test('follows same-origin redirects (renamed repos), stops at a cross-origin one, and refuses none of HEAD-less servers', async () => {
  const server = createServer((req, res) => {
    if (req.url === '/old') res.writeHead(307, { location: '/new' }).end();
    else if (req.url === '/new') res.writeHead(302, { location: 'https://cdn.example/blob', 'x-linked-etag': SHA, 'x-linked-size': '9' }).end();
    else if (req.url === '/no-head') res.writeHead(405).end();
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    assert.deepEqual(await fetchRemoteMetadata(`${origin}/old`), { sha256: SHA, sizeBytes: 9 });
    assert.deepEqual(await fetchRemoteMetadata(`${origin}/no-head`), {});
    await assert.rejects(fetchRemoteMetadata(`${origin}/missing`), { code: 'model_not_found' });
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});
