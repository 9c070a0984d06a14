// `spark --attach` under tmux against a real agent host: the terminal shows a thread started
// elsewhere (as the browser would start it) and continues it; the host sees the terminal's turn.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AgentHost, connectHost, createHostExtension, RemoteThread, type HostClient } from '@spark/host';
import { runTurns } from '@spark/agent';
import { startTestServer, type TestServer } from '@spark/server/testing';
import { TmuxSession } from '../testing/tmux.js';

const CLI = new URL('../main.js', import.meta.url).pathname;
const TOKEN = 'tok_attach_0123456789abcdef0123456789';

void describe('spark --attach under tmux', () => {
  let t: TestServer;
  let workspace: string;
  let client: HostClient;
  let tmux: TmuxSession | undefined;
  before(async () => {
    workspace = await mkdtemp(join(tmpdir(), 'spark-attach-'));
    t = await startTestServer();
    const host = await AgentHost.open({ baseUrl: t.baseUrl, workspace, sessionDir: false, approval: 'never-ask' });
    t.server.mount(createHostExtension({ host, token: TOKEN }));
    client = await connectHost(t.url, TOKEN);
  });
  after(async () => {
    await tmux?.kill();
    client.close();
    await t.server.close();
    await rm(workspace, { recursive: true, force: true });
  });

  void it('shows the history of a thread started over the host, continues it, and the host sees the new turn', async () => {
    const browser = await RemoteThread.start(client);
    for await (const _ of runTurns(browser, 'hello from the browser')) { /* drain */ }
    tmux = await TmuxSession.start([process.execPath, CLI, '--attach', `${t.url}/?token=${TOKEN}`, '--thread', browser.threadId], {
      cwd: workspace, env: { SPARK_CONFIG: join(workspace, 'none.json'), XDG_RUNTIME_DIR: join(workspace, 'run') }, columns: 100, rows: 30,
    });
    const screen = await tmux.waitFor(/You said: hello from the browser/);
    assert.match(screen, /› hello from the browser/);
    assert.match(screen.replace(/\s+/g, ' '), new RegExp(`thread ${browser.threadId}`));
    await tmux.type('and from the terminal');
    await tmux.keys('Enter');
    await tmux.waitFor(/You said: and from the terminal/);
    // The browser's side of the same thread got the terminal's turn.
    for (let tries = 0; !browser.items.some((item) => item.type === 'message' && item.content === 'You said: and from the terminal'); tries += 1) {
      assert.ok(tries < 1000, 'the host never showed the terminal turn to the other client');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.deepEqual(browser.items.filter((item) => item.type === 'message').map((item) => item.type === 'message' ? item.content : ''), [
      'hello from the browser', 'You said: hello from the browser', 'and from the terminal', 'You said: and from the terminal',
    ]);
  });
});
