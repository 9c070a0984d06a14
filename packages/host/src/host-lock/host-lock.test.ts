import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { hostLockDir, hostLockPath, readHostLock, writeHostLock } from './host-lock.js';

const TOKEN = 'tok_0123456789abcdef0123456789abcdef';

void describe('host lock file', () => {
  let dir: string;
  let workspace: string;
  let env: NodeJS.ProcessEnv;
  let listener: Server;
  let url: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'spark-host-lock-'));
    workspace = join(dir, 'work');
    await mkdir(workspace);
    env = { XDG_RUNTIME_DIR: join(dir, 'run') };
    listener = createServer((socket) => socket.destroy());
    await new Promise<void>((done) => listener.listen(0, '127.0.0.1', done));
    url = `http://127.0.0.1:${(listener.address() as AddressInfo).port}`;
  });
  after(async () => {
    await new Promise<void>((done) => listener.close(() => done()));
    await rm(dir, { recursive: true, force: true });
  });

  void it('lives under XDG_RUNTIME_DIR (else ~/.local/state), named by the workspace real path hash, the same through a symlink', async () => {
    assert.equal(hostLockDir({ env }), join(dir, 'run', 'spark', 'hosts'));
    assert.equal(hostLockDir({ env: { HOME: '/home/x' } }), '/home/x/.local/state/spark/hosts');
    const path = await hostLockPath(workspace, { env });
    assert.match(path, /\/spark\/hosts\/[0-9a-f]{16}\.json$/);
    await symlink(workspace, join(dir, 'alias'));
    assert.equal(await hostLockPath(join(dir, 'alias'), { env }), path);
    assert.notEqual(await hostLockPath(dir, { env }), path);
  });

  void it('is written 0600 in a 0700 folder, read back while the process lives and the port answers, removed on exit', async () => {
    const written = await writeHostLock({ workspace, url: `${url}/`, token: TOKEN }, { env });
    assert.equal((await stat(written.path)).mode & 0o777, 0o600);
    assert.equal((await stat(dirname(written.path))).mode & 0o777, 0o700);
    const read = await readHostLock(workspace, { env });
    assert.deepEqual(read, written.lock);
    assert.equal(read?.url, url);
    assert.equal(read?.pid, process.pid);
    await written.remove();
    await assert.rejects(stat(written.path), /ENOENT/);
    assert.equal(await readHostLock(workspace, { env }), undefined);
  });

  void it('tightens a folder that already existed with a looser mode', async () => {
    const folder = hostLockDir({ env });
    await chmod(folder, 0o755);
    const written = await writeHostLock({ workspace, url, token: TOKEN }, { env });
    assert.equal((await stat(folder)).mode & 0o777, 0o700);
    await written.remove();
  });

  void it('ignores and removes a lock whose process is gone', async () => {
    const child = spawn(process.execPath, ['-e', '']);
    const pid = child.pid ?? 0;
    await new Promise((done) => child.once('exit', done));
    const written = await writeHostLock({ workspace, url, token: TOKEN, pid }, { env });
    assert.equal(await readHostLock(workspace, { env }), undefined);
    await assert.rejects(stat(written.path), /ENOENT/);
  });

  void it('ignores and removes a lock whose port refuses connections (the pid may have been reused)', async () => {
    const closed = createServer();
    await new Promise<void>((done) => closed.listen(0, '127.0.0.1', done));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((done) => closed.close(() => done()));
    const written = await writeHostLock({ workspace, url: `http://127.0.0.1:${port}`, token: TOKEN }, { env });
    assert.deepEqual(await readHostLock(workspace, { env, probe: false }), written.lock);
    assert.equal(await readHostLock(workspace, { env }), undefined);
    await assert.rejects(stat(written.path), /ENOENT/);
  });

  void it('treats an unreadable, malformed or group-readable file as stale', async () => {
    const path = await hostLockPath(workspace, { env });
    await writeFile(path, '{"version":1,"url":', { mode: 0o600 });
    assert.equal(await readHostLock(workspace, { env }), undefined);
    await assert.rejects(stat(path), /ENOENT/);
    const written = await writeHostLock({ workspace, url, token: TOKEN }, { env });
    await chmod(written.path, 0o644);
    assert.equal(await readHostLock(workspace, { env }), undefined);
  });

  void it('remove leaves a lock that a later start replaced', async () => {
    const first = await writeHostLock({ workspace, url, token: TOKEN }, { env });
    const second = await writeHostLock({ workspace, url, token: `${TOKEN}-second` }, { env });
    await first.remove();
    assert.equal((JSON.parse(await readFile(second.path, 'utf8')) as { token: string }).token, `${TOKEN}-second`);
    await second.remove();
  });
});
