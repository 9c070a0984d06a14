// `spark --attach` under tmux against a real agent host: the terminal shows a thread started
// elsewhere (as the browser would start it) and continues it; the host sees the terminal's turn;
// a turn another client starts while the terminal is attached streams into the terminal live.
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AgentHost, connectHost, createHostExtension, RemoteThread, type HostClient } from '@spark/host';
import { runTurns } from '@spark/agent';
import type { GenerateRequest, ScriptStep } from '@spark/engine';
import { startTestServer, testScript, type TestServer } from '@spark/server/testing';
import { TmuxSession } from '../testing/tmux.js';

const CLI = new URL('../main.js', import.meta.url).pathname;
const TOKEN = 'tok_attach_0123456789abcdef0123456789';

/** `look around`: a sentence, then a command that waits for approval (the turn cannot finish before it). */
function script(request: GenerateRequest): readonly ScriptStep[] {
  const last = request.conversation.at(-1);
  const user = [...request.conversation].reverse().find((item) => item.type === 'user');
  if (last?.type === 'user' && user?.type === 'user' && user.text === 'look around') {
    return [
      { type: 'text', text: 'Looking around first.' },
      { type: 'tool_call', name: 'shell', arguments: '{"command":"touch attach-approved.txt","timeout_ms":0}' },
    ];
  }
  return testScript(request);
}

async function until(test: () => boolean, what: string): Promise<void> {
  for (let tries = 0; !test(); tries += 1) {
    assert.ok(tries < 2000, what);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

void describe('spark --attach under tmux', () => {
  let t: TestServer;
  let workspace: string;
  let client: HostClient;
  const sessions: TmuxSession[] = [];
  before(async () => {
    workspace = await mkdtemp(join(tmpdir(), 'spark-attach-'));
    t = await startTestServer({ engineOptions: { script } });
    const host = await AgentHost.open({ baseUrl: t.baseUrl, workspace, sessionDir: false, approval: 'ask', sandbox: 'off' });
    t.server.mount(createHostExtension({ host, token: TOKEN }));
    client = await connectHost(t.url, TOKEN);
  });
  after(async () => {
    for (const session of sessions) await session.kill();
    client.close();
    await t.server.close();
    await rm(workspace, { recursive: true, force: true });
  });
  const attach = async (...args: string[]): Promise<TmuxSession> => {
    const session = await TmuxSession.start([process.execPath, CLI, '--attach', `${t.url}/?token=${TOKEN}`, ...args], {
      cwd: workspace, env: { SPARK_CONFIG: join(workspace, 'none.json'), XDG_RUNTIME_DIR: join(workspace, 'run') }, columns: 100, rows: 30,
    });
    sessions.push(session);
    return session;
  };

  void it('shows the history of a thread started over the host, continues it, and the host sees the new turn', async () => {
    const browser = await RemoteThread.start(client);
    for await (const _ of runTurns(browser, 'hello from the browser')) { /* drain */ }
    const tmux = await attach('--thread', browser.threadId);
    const screen = await tmux.waitFor(/You said: hello from the browser/);
    assert.match(screen, /› hello from the browser/);
    assert.match(screen.replace(/\s+/g, ' '), new RegExp(`thread ${browser.threadId}`));
    await tmux.type('and from the terminal');
    await tmux.keys('Enter');
    await tmux.waitFor(/You said: and from the terminal/);
    // The browser's side of the same thread got the terminal's turn.
    await until(() => browser.items.some((item) => item.type === 'message' && item.content === 'You said: and from the terminal'), 'the host never showed the terminal turn to the other client');
    assert.deepEqual(browser.items.filter((item) => item.type === 'message').map((item) => item.type === 'message' ? item.content : ''), [
      'hello from the browser', 'You said: hello from the browser', 'and from the terminal', 'You said: and from the terminal',
    ]);
  });

  void it('without --thread continues the latest thread, and draws a turn another client starts there live: its message, the streamed answer, its approval (answered here)', async () => {
    const older = await RemoteThread.start(client);
    for await (const _ of runTurns(older, 'an older thread')) { /* drain */ }
    const browser = await RemoteThread.start(client);
    for await (const _ of runTurns(browser, 'the latest thread')) { /* drain */ }
    const tmux = await attach();
    const screen = await tmux.waitFor(/You said: the latest thread/);
    assert.match(screen.replace(/\s+/g, ' '), new RegExp(`continuing the latest thread ${browser.threadId}.*/new starts a new one`));
    assert.doesNotMatch(screen, /an older thread/);

    // The browser starts a turn on the thread the terminal shows.
    await browser.submit({ type: 'user_message', text: 'look around' });
    const live = await tmux.waitFor(/Allow the agent to run/);
    assert.match(live, /› look around/, "the other client's message, as a user line");
    assert.match(live, /Looking around first\./, 'the answer so far, drawn while the turn waits');
    assert.notEqual(browser.runningTurnId, null, 'the turn is still running: the terminal drew it live');
    // A second terminal attaching mid-turn draws the turn so far (the attach answer's events), question included.
    const late = await attach('--thread', browser.threadId);
    const lateScreen = await late.waitFor(/Allow the agent to run/);
    assert.match(lateScreen, /› look around/);
    assert.match(lateScreen, /Looking around first\./);
    // The first terminal answers the approval of the browser's turn; the command runs and the turn ends.
    await tmux.keys('y');
    await until(() => browser.runningTurnId === null, 'the turn never finished after the terminal approved');
    await stat(join(workspace, 'attach-approved.txt'));
    const end = await tmux.waitFor(/Result: /);
    assert.match(end, /\(approved\)/);
    assert.match(end, /● shell command=touch attach-approved\.txt/);
    // The late terminal saw the answer given elsewhere, then the rest of the turn.
    await late.waitFor((text) => /\(approved by another client\)/.test(text) && /Result: /.test(text));
    await late.keys('C-d');
    // Idle again: the terminal's own input starts a turn of its own.
    await tmux.type('back in the terminal');
    await tmux.keys('Enter');
    await tmux.waitFor(/You said: back in the terminal/);
    await until(() => browser.items.some((item) => item.type === 'message' && item.content === 'You said: back in the terminal'), 'the browser never saw the terminal turn');
  });
});
