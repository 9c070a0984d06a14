import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { downloadFile } from './download-file.js';
import { fakeGguf, sha256Of } from './testing/fake-gguf.js';
import { startFakeHub } from './testing/start-fake-hub.js';
import { withTempDir } from './testing/with-temp-dir.js';

const BODY = fakeGguf(64_000, 9);

const withDir = (run: (dir: string) => Promise<void>): Promise<void> => withTempDir('spark-dl-', run);

void test('a server that ignores Range (200) restarts the file from zero', () =>
  withDir(async (dir) => {
    const server = await startFakeHub({ files: { '/m.gguf': { body: BODY } }, ignoreRange: true });
    try {
      const part = join(dir, 'm.gguf.part');
      await writeFile(part, BODY.subarray(0, 1000));
      const done = await downloadFile(`${server.origin}/m.gguf`, part);
      assert.equal(done.sha256, sha256Of(BODY));
      assert.equal(done.resumedFromBytes, 1000);
      assert.deepEqual(await readFile(part), BODY);
      assert.deepEqual(server.requests.map((r) => [r.range, r.status]), [['bytes=1000-', 200]]);
    } finally {
      await server.close();
    }
  }));

void test('a partial file the server cannot continue (416) is dropped and downloaded again', () =>
  withDir(async (dir) => {
    const server = await startFakeHub({ files: { '/m.gguf': { body: BODY } } });
    try {
      const part = join(dir, 'm.gguf.part');
      await writeFile(part, Buffer.alloc(BODY.length + 10));
      const done = await downloadFile(`${server.origin}/m.gguf`, part);
      assert.equal(done.sha256, sha256Of(BODY));
      assert.deepEqual(server.requests.map((r) => [r.range, r.status]), [
        [`bytes=${BODY.length + 10}-`, 416],
        [undefined, 200],
      ]);
    } finally {
      await server.close();
    }
  }));

void test('a resumed download hashes the kept prefix plus the new bytes', () =>
  withDir(async (dir) => {
    const server = await startFakeHub({ files: { '/m.gguf': { body: BODY } } });
    try {
      const part = join(dir, 'm.gguf.part');
      await writeFile(part, BODY.subarray(0, 12_345));
      const progress: Array<[number, number | undefined]> = [];
      const done = await downloadFile(`${server.origin}/m.gguf`, part, { onProgress: (r, t) => progress.push([r, t]) });
      assert.equal(done.sha256, sha256Of(BODY));
      assert.deepEqual(progress[0], [12_345, BODY.length]);
      assert.deepEqual(progress.at(-1), [BODY.length, BODY.length]);
    } finally {
      await server.close();
    }
  }));
