import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { connectResponses, type ResponsesConnection } from '@spark/client';
import type { GenerateRequest, ScriptStep } from '@spark/engine';
import { FAST_APPLY_INSTRUCTIONS } from '@spark/protocol';
import { startTestServer, TEST_MODEL, type TestServer } from '@spark/server/testing';
import { parsePatch } from '@spark/protocol';
import { fastApplyTarget } from '../apply-patch/fast-apply-target.js';
import { WORKSPACE_TOOLS } from '../tools/tool-definitions.js';
import { Agent } from './agent.js';

const FILE = 'a\nb\nc\nd\n';
/** What the patch gives: the file rewritten (Delete + Add). */
const PATCHED = 'A\nB\nc\nD\n';
const REWRITE_PATCH = `*** Begin Patch\n*** Delete File: f.txt\n*** Add File: f.txt\n${PATCHED.trimEnd().split('\n').map((l) => `+${l}`).join('\n')}\n*** End Patch\n`;
const SMALL_PATCH = '*** Begin Patch\n*** Update File: f.txt\n@@\n a\n-b\n+B\n c\n*** End Patch\n';
/** The rewrite request's output: told apart from the patch's text by its last line. */
const REWRITTEN = 'A\nB\nc\nD (rewritten)\n';

void describe('fastApplyTarget', () => {
  const current = (path: string): string | undefined => (path === 'f.txt' ? FILE : undefined);

  void it('takes a Delete and Add of one file, or an Update removing at least the share, and nothing else', () => {
    assert.deepEqual(fastApplyTarget(parsePatch(REWRITE_PATCH), current), { path: 'f.txt', edit: PATCHED });
    assert.equal(fastApplyTarget(parsePatch(SMALL_PATCH), current), undefined);
    assert.equal(fastApplyTarget(parsePatch(SMALL_PATCH), current, 0.25)?.path, 'f.txt');
    const twoHunks = '*** Begin Patch\n*** Update File: f.txt\n@@\n-a\n-b\n+x\n@@\n-d\n+y\n*** End Patch\n';
    assert.equal(fastApplyTarget(parsePatch(twoHunks), current)?.edit, 'x\n// ... existing code ...\ny');
    assert.equal(fastApplyTarget(parsePatch('*** Begin Patch\n*** Add File: g.txt\n+x\n*** End Patch\n'), current), undefined);
    assert.equal(fastApplyTarget(parsePatch('*** Begin Patch\n*** Update File: f.txt\n*** Move to: g.txt\n@@\n-a\n-b\n-c\n+x\n*** End Patch\n'), current), undefined);
  });
});

/** The model patches f.txt; a fast-apply request (its own instructions) answers with REWRITTEN, or fails when asked to. */
function script(failRewrite: () => boolean): (request: GenerateRequest) => readonly ScriptStep[] {
  return (request) => {
    const system = request.conversation.find((item) => item.type === 'system');
    if (system?.type === 'system' && system.text.startsWith(FAST_APPLY_INSTRUCTIONS)) {
      return failRewrite() ? [{ type: 'error', code: 'internal', message: 'rewrite broke' }] : [{ type: 'text', text: REWRITTEN }];
    }
    const results = request.conversation.filter((item) => item.type === 'tool_result').length;
    if (results > 0) return [{ type: 'text', text: 'Done.' }];
    const user = [...request.conversation].reverse().find((item) => item.type === 'user');
    const patch = user?.type === 'user' && user.text.startsWith('small') ? SMALL_PATCH : REWRITE_PATCH;
    return [{ type: 'tool_call', name: 'apply_patch', arguments: patch, kind: 'custom' }];
  };
}

void describe('fast apply (agent over a real server, scripted engine)', () => {
  let t: TestServer;
  let workspace: string;
  let fail = false;
  const connections: ResponsesConnection[] = [];

  before(async () => { t = await startTestServer({ engineOptions: { script: script(() => fail), contextSize: 100_000 } }); });
  after(async () => {
    for (const connection of connections) await connection.close();
    await t.server.close();
  });
  beforeEach(async () => {
    fail = false;
    workspace = await mkdtemp(join(tmpdir(), 'spark-fast-apply-'));
    await mkdir(workspace, { recursive: true });
    await writeFile(join(workspace, 'f.txt'), FILE);
  });

  async function agent(fastApply: boolean): Promise<Agent> {
    const connection = await connectResponses({ baseUrl: `${t.url}/v1`, transport: 'websocket' });
    connections.push(connection);
    return new Agent({
      connection, model: TEST_MODEL, workspace, instructions: 'Test agent.', tools: WORKSPACE_TOOLS, contextWindow: 100_000,
      approval: 'auto-in-workspace', fastApply,
    });
  }

  async function run(agentRun: Agent, text: string): Promise<Array<{ type: string; ok?: boolean; output?: string }>> {
    const events: Array<{ type: string; ok?: boolean; output?: string }> = [];
    for await (const event of agentRun.run(text)) events.push(event);
    return events;
  }

  void it('sends a rewrite whose prediction is the current file and writes its output atomically, with an undo entry', async () => {
    const before = t.engine.requests.length;
    const fastAgent = await agent(true);
    const events = await run(fastAgent, 'rewrite f.txt');
    const rewrite = t.engine.requests.slice(before).find((request) => request.prediction !== undefined);
    assert.equal(rewrite?.prediction, FILE);
    assert.equal(await readFile(join(workspace, 'f.txt'), 'utf8'), REWRITTEN);
    assert.deepEqual(await readdir(workspace), ['f.txt'], 'no temporary file is left beside it');
    assert.equal(events.find((event) => event.type === 'tool_result')?.ok, true);
    assert.equal(events.filter((event) => event.type === 'patch.applied').length, 1);
    await fastAgent.undo();
    assert.equal(await readFile(join(workspace, 'f.txt'), 'utf8'), FILE);
    await rm(workspace, { recursive: true, force: true });
  });

  void it('falls back to the patch when the rewrite fails, with a warning', async () => {
    fail = true;
    const events = await run(await agent(true), 'rewrite f.txt');
    assert.equal(await readFile(join(workspace, 'f.txt'), 'utf8'), PATCHED);
    assert.equal(events.some((event) => event.type === 'warning'), true);
    assert.equal(events.find((event) => event.type === 'tool_result')?.ok, true);
    await rm(workspace, { recursive: true, force: true });
  });

  void it('leaves small patches, and every patch when off, to apply_patch: no rewrite request', async () => {
    const before = t.engine.requests.length;
    await run(await agent(true), 'small edit');
    assert.equal(await readFile(join(workspace, 'f.txt'), 'utf8'), 'a\nB\nc\nd\n');
    await writeFile(join(workspace, 'f.txt'), FILE);
    await run(await agent(false), 'rewrite f.txt');
    assert.equal(await readFile(join(workspace, 'f.txt'), 'utf8'), PATCHED);
    assert.equal(t.engine.requests.slice(before).some((request) => request.prediction !== undefined), false);
    await rm(workspace, { recursive: true, force: true });
  });
});
