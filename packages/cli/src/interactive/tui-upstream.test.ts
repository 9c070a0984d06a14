// The real `spark` TUI under tmux on upstream models: two scripted Spark servers stand in for the
// providers (one spoken to in Responses, one in Chat Completions), declared in the config file,
// and /model switches between them on the same agent, session and history.
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { ConversationItem, GenerateRequest, ScriptStep } from '@spark/engine';
import { startTestServer, TEST_MODEL, type TestServer } from '@spark/server/testing';
import { TmuxSession } from '../testing/tmux.js';

const CLI = new URL('../main.js', import.meta.url).pathname;

/** A provider's script: answers `<name>: <last user text>` and records every conversation it was sent. */
function provider(name: string, seen: ConversationItem[][]): (request: GenerateRequest) => readonly ScriptStep[] {
  return (request) => {
    seen.push([...request.conversation]);
    const user = [...request.conversation].reverse().find((item) => item.type === 'user');
    return [{ type: 'text', text: `${name} says: ${user?.type === 'user' ? user.text : ''}` }];
  };
}

/** A loopback port nothing listens on (it was free a moment ago). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof address === 'object' && address !== null ? address.port : 0;
}

/** The user and assistant texts of a conversation, in order. */
function turns(conversation: readonly ConversationItem[]): string[] {
  return conversation.flatMap((item) => (item.type === 'user' || item.type === 'assistant' ? [`${item.type}: ${item.text}`] : []));
}

void describe('spark TUI on upstream models (/model switches, session kept)', () => {
  const mainSeen: ConversationItem[][] = [];
  const upSeen: ConversationItem[][] = [];
  let main: TestServer;
  let up: TestServer;
  let tmux: TmuxSession;
  let data: string;

  before(async () => {
    main = await startTestServer({ engineOptions: { script: provider('main', mainSeen), contextSize: 100_000 } });
    up = await startTestServer({ engineOptions: { script: provider('up', upSeen), contextSize: 100_000 } });
    const workspace = await mkdtemp(join(tmpdir(), 'spark-tui-up-'));
    data = await mkdtemp(join(tmpdir(), 'spark-tui-up-data-'));
    const config = join(data, 'config.json');
    await writeFile(config, JSON.stringify({
      upstreams: {
        main: { baseUrl: `${main.url}/v1`, api: 'responses' },
        up: { baseUrl: `${up.url}/v1`, api: 'chat' },
        // Nothing listens there: this provider fails, and only its models go missing.
        broken: { baseUrl: `http://127.0.0.1:${await closedPort()}/v1`, api: 'chat' },
      },
    }));
    // SPARK_PORT points at a closed port, so the TUI finds no running spark serve and serves the upstreams itself.
    tmux = await TmuxSession.start([process.execPath, CLI, '--model', `main/${TEST_MODEL}`, '--approval', 'ask'], {
      cwd: workspace, env: { SPARK_DATA_DIR: data, SPARK_CONFIG: config, SPARK_PORT: '9' }, columns: 120, rows: 40,
    });
    await tmux.waitFor(/ready/);
  });
  after(async () => {
    await tmux.kill();
    await main.server.close();
    await up.server.close();
  });

  async function ask(text: string): Promise<void> {
    await tmux.type(text);
    await tmux.keys('Enter');
  }

  void it('starts on an upstream model and says which engine serves it; a provider that fails is a note', async () => {
    const start = await tmux.waitFor(/upstream broken unavailable/);
    assert.match(start, /spark · main\/scripted · main · Responses at 127\.0\.0\.1:\d+/);
    await ask('first question');
    await tmux.waitFor(/main says: first question/);
    await ask('/model');
    const listed = await tmux.waitFor(/● main\/scripted \(100000 tokens\)[\s\S]*up\/scripted \(100000 tokens\)/);
    assert.doesNotMatch(listed, /broken\/scripted/);
  });

  void it('/model <provider>/<model> switches on the same session: the new upstream gets the earlier turns', async () => {
    await ask('/status');
    const session = /^session +(\d{8}-\d{6}-[0-9a-f]{6})/m.exec(await tmux.waitFor(/^session +\d{8}-/m))?.[1] ?? '';
    await ask(`/model up/${TEST_MODEL}`);
    await tmux.waitFor(new RegExp(`model: up/scripted · up · Chat Completions at 127\\.0\\.0\\.1:\\d+ \\(history kept: \\d+ items, session ${session}\\)`));
    await tmux.waitFor(/up\/scripted · up · Chat Completions/);
    await ask('second question');
    await tmux.waitFor(/up says: second question/);
    const sent = upSeen.at(-1) ?? [];
    assert.deepEqual(turns(sent), ['user: first question', 'assistant: main says: first question', 'user: second question'],
      'the upstream switched to sees the conversation so far');
    assert.equal(upSeen.length, 1, 'the switched-to provider answered once');
  });

  void it('/model back to the first provider keeps the turns of both, and /status names the engine', async () => {
    const before = mainSeen.length;
    await ask(`/model main/${TEST_MODEL}`);
    await tmux.waitFor(/model: main\/scripted · main · Responses at/);
    await ask('third question');
    await tmux.waitFor(/main says: third question/);
    assert.equal(mainSeen.length, before + 1);
    // The Responses upstream gets the conversation as the chain restarted: the whole of it, once.
    assert.deepEqual(turns(mainSeen.at(-1) ?? []), [
      'user: first question', 'assistant: main says: first question', 'user: second question', 'assistant: up says: second question', 'user: third question',
    ]);
    await ask('/status');
    // The second /status of the run (the first was before the switch).
    const status = await tmux.waitFor((screen) => (screen.match(/^model +main\/scripted \(main · Responses at 127\.0\.0\.1:\d+\)/gm) ?? []).length === 2);
    assert.match(status, /^upstreams +main \(1 models\), up \(1 models\), broken failed/m);
  });

  void it('refuses a model no provider serves, and keeps the current one', async () => {
    await ask('/model up/nope');
    await tmux.waitFor(/the server does not serve 'up\/nope'/);
    await ask('/model broken/x');
    await tmux.waitFor(/upstream broken unavailable: /);
    await ask('still here?');
    await tmux.waitFor(/main says: still here\?/);
  });
});
