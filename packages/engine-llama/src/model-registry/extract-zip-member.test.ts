import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { extractZipMember } from './extract-zip-member.js';
import { fakeGguf } from './testing/fake-gguf.js';
import { writeZipFile } from './testing/write-zip-file.js';
import { withTempDir } from './testing/with-temp-dir.js';

const withDir = (run: (dir: string) => Promise<void>): Promise<void> => withTempDir('spark-zip-', run);

void test('streams stored and deflated members, appending when asked', () =>
  withDir(async (dir) => {
    const a = fakeGguf(70_000, 3);
    const b = Buffer.from('tail bytes'.repeat(1000));
    const zip = join(dir, 'w.whl');
    await writeZipFile(zip, [
      { name: 'pkg/a.bin', data: a },
      { name: 'pkg/b.bin', data: b, deflate: true },
    ]);
    const out = join(dir, 'out');
    const seen: number[] = [];
    assert.equal(await extractZipMember(zip, 'pkg/a.bin', out, { onData: (chunk) => seen.push(chunk.length) }), a.length);
    assert.equal(await extractZipMember(zip, 'pkg/b.bin', out, { append: true }), b.length);
    assert.deepEqual(await readFile(out), Buffer.concat([a, b]));
    assert.equal(seen.reduce((x, y) => x + y, 0), a.length);
  }));

void test('a missing member or a file that is not a zip is download_failed', () =>
  withDir(async (dir) => {
    const zip = join(dir, 'w.whl');
    await writeZipFile(zip, [{ name: 'pkg/a.bin', data: Buffer.from('x') }]);
    await assert.rejects(extractZipMember(zip, 'pkg/missing', join(dir, 'out')), {
      code: 'download_failed',
      message: 'w.whl has no member pkg/missing.',
    });
    const junk = join(dir, 'junk.whl');
    await writeFile(junk, 'this is not a zip file at all');
    await assert.rejects(extractZipMember(junk, 'pkg/a.bin', join(dir, 'out')), {
      code: 'download_failed',
      message: 'junk.whl is not a readable zip file.',
    });
  }));

void test('an aborted signal stops before reading', () =>
  withDir(async (dir) => {
    const zip = join(dir, 'w.whl');
    await writeZipFile(zip, [{ name: 'a', data: Buffer.from('x') }]);
    const reason = new Error('stop');
    await assert.rejects(extractZipMember(zip, 'a', join(dir, 'out'), { signal: AbortSignal.abort(reason) }), (e) => e === reason);
  }));
