// `spark engine` as a user runs it: the real binary, with Spark's cache in a scratch folder.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';

const CLI = new URL('./main.js', import.meta.url).pathname;
const run = promisify(execFile);

void test('spark engine status names the binaries, this machine\'s build key and where the build is kept', async () => {
  const cache = await mkdtemp(join(tmpdir(), 'spark-engine-cli-'));
  try {
    const { stdout } = await run(process.execPath, [CLI, 'engine', 'status'], { env: { ...process.env, SPARK_CACHE_DIR: cache } });
    assert.match(stdout, /^binaries: (local build|prebuilt)/m);
    assert.match(stdout, new RegExp(`^key: nlc-\\d+\\.\\d+\\.\\d+-\\S+-${process.platform}-${process.arch}-cpu-[0-9a-f]{12}$`, 'm'));
    assert.match(stdout, new RegExp(`^cached: no \\(${join(cache, 'engine-builds').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}/nlc-`, 'm'));
    assert.match(stdout, /^installed: (yes|no) \(.*node-llama-cpp\/llama\/localBuilds\)$/m);
  } finally {
    await rm(cache, { recursive: true, force: true });
  }
});

void test('spark engine without a subcommand prints its usage and fails', async () => {
  await assert.rejects(run(process.execPath, [CLI, 'engine']), (error: Error & { code?: number; stderr?: string }) => {
    assert.equal(error.code, 2);
    assert.match(error.stderr ?? '', /spark engine build +compile llama\.cpp for this CPU/);
    return true;
  });
});
