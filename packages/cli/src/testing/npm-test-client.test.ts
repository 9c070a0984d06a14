import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { installNpmTestClient, testClientsCacheDir } from './npm-test-client.js';

void describe('installNpmTestClient', () => {
  let cache: string;
  const saved = { XDG_CACHE_HOME: process.env['XDG_CACHE_HOME'], npm_config_registry: process.env['npm_config_registry'], npm_config_fetch_retries: process.env['npm_config_fetch_retries'] };
  before(async () => {
    cache = await mkdtemp(join(tmpdir(), 'spark-test-clients-'));
    process.env['XDG_CACHE_HOME'] = cache;
  });
  after(async () => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    await rm(cache, { recursive: true, force: true });
  });

  void it('reuses a cached install without asking the registry', async () => {
    const folder = join(testClientsCacheDir(), 'some-client-1.2.3');
    await mkdir(join(folder, 'node_modules', '.bin'), { recursive: true });
    await writeFile(join(folder, 'tool.js'), '');
    await symlink('../../tool.js', join(folder, 'node_modules', '.bin', 'tool'));
    const install = await installNpmTestClient({ packageName: '@scope/some-client', version: '1.2.3', bin: 'tool' });
    assert.deepEqual(install, { installed: true, binPath: join(folder, 'node_modules', '.bin', 'tool'), cached: true });
  });

  void it('gives a reason to skip when the registry is unreachable, and leaves no half install behind', async () => {
    process.env['npm_config_registry'] = 'http://127.0.0.1:1/';
    process.env['npm_config_fetch_retries'] = '0';
    const install = await installNpmTestClient({ packageName: 'spark-no-such-client', version: '0.0.1', bin: 'nothing' }, 60_000);
    assert.equal(install.installed, false);
    assert.match(install.installed ? '' : install.reason, /^cannot install spark-no-such-client@0\.0\.1 from the npm registry: /);
    assert.deepEqual((await readdir(testClientsCacheDir())).filter((name) => name.startsWith('spark-no-such-client')), []);
  });
});
