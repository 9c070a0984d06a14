// A session remembers the model it was switched to: resume and fork go on there (while the
// server still serves it), an explicit model wins and is recorded. Real server, scripted engine.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '@spark/server/testing';
import { Session } from '../session/session-store.js';
import { openAgent, type OpenAgentOptions, type OpenedAgent } from './open-agent.js';

void describe('a session and its model across /model, resume and fork', () => {
  let t: TestServer;
  let workspace: string;
  let sessionDir: string;
  const opened: OpenedAgent[] = [];
  before(async () => {
    t = await startTestServer({ engineOptions: { models: ['model-a', 'model-b'] } });
    workspace = await mkdtemp(join(tmpdir(), 'spark-model-ws-'));
    sessionDir = await mkdtemp(join(tmpdir(), 'spark-model-sessions-'));
  });
  after(async () => {
    for (const entry of opened) await entry.connection.close();
    await t.server.close();
    await rm(workspace, { recursive: true, force: true });
    await rm(sessionDir, { recursive: true, force: true });
  });

  async function open(extra: Partial<OpenAgentOptions> = {}): Promise<OpenedAgent> {
    const entry = await openAgent({ baseUrl: `${t.url}/v1`, workspace, sessionDir, approval: 'auto-in-workspace', sandbox: 'off', ...extra });
    opened.push(entry);
    return entry;
  }

  void it('resumes and forks on the model the session was switched to, not the one it started on', async () => {
    const first = await open({ model: 'model-a' });
    first.agent.setModel('model-b');
    await first.session?.flush();
    const id = first.session?.id ?? '';

    const resumed = await open({ resume: 'last' });
    assert.equal(resumed.session?.id, id);
    assert.equal(resumed.model, 'model-b');

    const forked = await open({ fork: { id } });
    assert.equal(forked.model, 'model-b');
    assert.equal((await Session.open(sessionDir, forked.session?.id ?? '')).state.meta.model, 'model-b', 'the fork starts on it');
  });

  void it('an explicit model wins over the remembered one and is remembered in turn; a model no longer served is not resumed', async () => {
    const first = await open({ model: 'model-b' });
    await first.session?.flush();
    const id = first.session?.id ?? '';
    const explicit = await open({ resume: id, model: 'model-a' });
    assert.equal(explicit.model, 'model-a');
    await explicit.session?.flush();
    assert.equal((await Session.open(sessionDir, id)).state.model, 'model-a');

    explicit.agent.setModel('retired-model');
    await explicit.session?.flush();
    const fallback = await open({ resume: id });
    assert.equal(fallback.model, 'model-a', 'the server\'s first model, not one it no longer lists');
  });
});
