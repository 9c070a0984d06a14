// `spark exec --background` as a user runs it: the real binary in a scratch git repo, against a
// real server (scripted engine), JSONL on stdout.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { GenerateRequest, ScriptStep } from '@spark/engine';
import { startTestServer, TEST_MODEL, type TestServer } from '@spark/server/testing';
import { runCli } from './testing/run-cli.js';

const PATCH = '*** Begin Patch\n*** Update File: calc.py\n@@\n-    return a + b\n+    return a + b  # sum\n*** End Patch\n';

const lanes: string[] = [];

function script(request: GenerateRequest): readonly ScriptStep[] {
  lanes.push(request.session ?? '');
  const results = request.conversation.filter((item) => item.type === 'tool_result').length;
  if (results === 0) return [{ type: 'tool_call', name: 'read_file', arguments: '{"path":"calc.py","offset":0,"limit":0}' }];
  if (results === 1) return [{ type: 'tool_call', name: 'apply_patch', arguments: PATCH, kind: 'custom' }];
  return [{ type: 'text', text: 'Added a comment to add().' }];
}

void describe('spark exec --background (scripted server)', () => {
  let t: TestServer;
  let repo: string;
  let data: string;

  before(async () => {
    t = await startTestServer({ engineOptions: { script, contextSize: 100_000 } });
    repo = await mkdtemp(join(tmpdir(), 'spark-exec-bg-'));
    await writeFile(join(repo, 'calc.py'), 'def add(a, b):\n    return a + b\n');
    const git = (...args: string[]): void => { execFileSync('git', args, { cwd: repo, stdio: 'ignore' }); };
    git('init', '-q');
    git('add', '.');
    git('-c', 'user.email=t@example.com', '-c', 'user.name=t', 'commit', '-qm', 'init');
    data = await mkdtemp(join(tmpdir(), 'spark-data-'));
  });
  after(async () => { await t.server.close(); });

  void it('runs the task as a background agent on its own lane, prints its events as JSONL, then applies its patch', async () => {
    const run = await runCli(['exec', '--json', '--background', '--sandbox', 'off', '--server', `${t.url}/v1`, '--model', TEST_MODEL, 'Comment the add function.'], { cwd: repo, env: { SPARK_DATA_DIR: data, SPARK_PORT: '1' } });
    assert.equal(run.code, 0, run.stderr);
    const events = run.stdout.trim().split('\n').map((line) => JSON.parse(line) as { type: string; [key: string]: unknown });
    const types = events.map((event) => event.type).filter((type) => type !== 'background.status');
    assert.deepEqual(types, [
      'session.started', 'background.started', 'background.step', 'background.tool', 'background.step', 'background.tool', 'background.delta',
      'background.finished', 'patch.applied', 'background.applied',
    ]);
    // Its answer text streams as `background.delta` (coalesced), before the finished event repeats it as the summary.
    assert.equal(events.find((event) => event.type === 'background.delta')?.['delta'], 'Added a comment to add().');
    const finished = events.find((event) => event.type === 'background.finished');
    assert.equal(finished?.['summary'], 'Added a comment to add().');
    assert.equal(await readFile(join(repo, 'calc.py'), 'utf8'), 'def add(a, b):\n    return a + b  # sum\n');
    assert.ok(lanes.length === 3 && lanes.every((lane) => /\/bg-bg[0-9a-f]+$/.test(lane)), `background lane: ${lanes.join(' ')}`);
    assert.deepEqual(await readdir(join(data, 'worktrees')), [], 'its worktree is removed when the run ends');
  });
});
