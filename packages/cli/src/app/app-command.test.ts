import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { appTokenCookieName, connectHost, hostLockPath, readHostLock, type HostPush } from '@spark/host';
import { startTestServer, waitFor, type TestServer } from '@spark/server/testing';

const MAIN = fileURLToPath(new URL('../main.js', import.meta.url));

interface Started { child: ChildProcess; log: () => string; exited: Promise<number | null> }

/** Runs the CLI in `cwd`; resolves once `pattern` appears on stderr (or the process exits). */
async function startCli(args: readonly string[], cwd: string, env: NodeJS.ProcessEnv, pattern: RegExp): Promise<Started & { match: RegExpExecArray | null }> {
  const child = spawn(process.execPath, [MAIN, ...args], { cwd, env, stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const match = await new Promise<RegExpExecArray | null>((resolve) => {
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      log += chunk;
      const found = pattern.exec(log);
      if (found !== null) resolve(found);
    });
    void exited.then(() => resolve(pattern.exec(log)));
  });
  return { child, log: () => log, exited, match };
}

void describe('spark app (a real process on a scripted upstream)', () => {
  let upstream: TestServer;
  let dir: string;
  let workspace: string;
  let env: NodeJS.ProcessEnv;
  let app: Started | undefined;
  before(async () => {
    upstream = await startTestServer();
    dir = await mkdtemp(join(tmpdir(), 'spark-app-'));
    workspace = join(dir, 'work');
    await mkdir(workspace);
    env = {
      ...process.env, XDG_RUNTIME_DIR: join(dir, 'run'), SPARK_DATA_DIR: join(dir, 'data'), SPARK_CONFIG: join(dir, 'none.json'),
      BROWSER: '', DISPLAY: '', WAYLAND_DISPLAY: '',
    };
    delete env['SPARK_MODEL'];
    delete env['SPARK_PORT'];
  });
  after(async () => {
    if (app !== undefined && app.child.exitCode === null) { app.child.kill('SIGKILL'); await app.exited; }
    await upstream.server.close();
    await rm(dir, { recursive: true, force: true });
  });

  void it('starts server and host, prints the URL with the token once, writes the lock file, serves the page and runs a turn', async () => {
    const started = await startCli(['app', '--no-open', '--upstream', `up=${upstream.url}/v1`], workspace, env, /spark app: (http:\/\/127\.0\.0\.1:\d+)\/\?token=([\w-]+)\n/);
    app = started;
    assert.ok(started.match, started.log());
    const [, url = '', token = ''] = started.match;
    assert.equal(token.length, 43);
    assert.equal(started.log().split(token).length - 1, 1, 'the token is printed once');

    const lockPath = await hostLockPath(workspace, { env });
    assert.equal((await stat(lockPath)).mode & 0o777, 0o600);
    const lock = await readHostLock(workspace, { env });
    assert.equal(lock?.url, url);
    assert.equal(lock?.token, token);
    assert.equal(lock?.pid, started.child.pid);

    const redirect = await fetch(`${url}/?token=${token}`, { redirect: 'manual' });
    assert.equal(redirect.status, 302);
    assert.equal(redirect.headers.get('location'), '/');
    assert.equal((await fetch(`${url}/`)).status, 401);
    const page = await fetch(`${url}/`, { headers: { cookie: `${appTokenCookieName(new URL(url).host)}=${token}` } });
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<html/i);

    const client = await connectHost(url, token);
    try {
      const pushes: HostPush[] = [];
      client.subscribe((push) => pushes.push(push));
      const started2 = await client.request('thread.start', {});
      await client.submit(started2.thread.thread_id, { type: 'user_message', text: 'hello app' });
      await waitFor(() => pushes.some((push) => push.type === 'event' && push.event.type === 'thread.idle'), 20_000);
      const text = pushes.flatMap((push) => (push.type === 'event' && push.event.type === 'text.delta' ? [push.event.delta] : [])).join('');
      assert.equal(text, 'You said: hello app');
    } finally {
      client.close();
    }
    await assert.rejects(connectHost(url, 'wrong-token-0123456789'));
  });

  void it('a second spark app in the same directory opens the running one instead of starting another', async () => {
    const opened = join(dir, 'opened.txt');
    const browser = join(dir, 'browser.sh');
    await writeFile(browser, `#!/bin/sh\necho "$1" > '${opened}'\n`);
    await chmod(browser, 0o755);
    const second = await startCli(['app'], workspace, { ...env, BROWSER: browser }, /already running/);
    assert.equal(await second.exited, 0, second.log());
    const lock = await readHostLock(workspace, { env });
    assert.ok(lock);
    assert.match(second.log(), new RegExp(`spark app: ${lock.url}/\\?token=${lock.token}`));
    // The browser is started detached; its file appears shortly after.
    for (let tries = 0; !(await readFile(opened, 'utf8').catch(() => '')).includes(lock.token); tries += 1) {
      assert.ok(tries < 500, 'the browser command never ran');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  });

  void it('removes the lock file when it exits', async () => {
    assert.ok(app);
    const lockPath = await hostLockPath(workspace, { env });
    app.child.kill('SIGTERM');
    assert.equal(await app.exited, 0, app.log());
    await assert.rejects(stat(lockPath), /ENOENT/);
  });
});
