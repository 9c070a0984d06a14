// `spark exec` as a user runs it: the real binary in a scratch git repo, against a real server
// (scripted engine, so the flow is exact), JSONL on stdout.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { probeBubblewrap } from '@spark/agent';
import type { GenerateRequest, ScriptStep } from '@spark/engine';
import { startTestServer, TEST_MODEL, type TestServer } from '@spark/server/testing';
import { runCli } from './testing/run-cli.js';

const PATCH = '*** Begin Patch\n*** Update File: calc.py\n@@\n-    return a + b\n+    return a + b  # sum\n*** End Patch\n';

function script(request: GenerateRequest): readonly ScriptStep[] {
  const results = request.conversation.filter((item) => item.type === 'tool_result').length;
  const last = [...request.conversation].reverse().find((item) => item.type === 'user');
  // 'shell: <command>' runs that command, then reports the first line of its result.
  const latest = request.conversation.at(-1);
  if (latest?.type === 'tool_result' && /^(Exit code|The user declined)/.test(latest.output)) return [{ type: 'text', text: `shell said: ${latest.output.split('\n')[0] ?? ''}` }];
  if (last?.type === 'user' && last.text.startsWith('shell: ')) return [{ type: 'tool_call', name: 'shell', arguments: JSON.stringify({ command: last.text.slice(7), timeout_ms: 0 }) }];
  if (last?.type === 'user' && last.text.startsWith('and')) return [{ type: 'text', text: 'Still here.' }];
  // 10 ms a line: the guard's stop must land well before the end even on a loaded CI machine.
  if (last?.type === 'user' && last.text.startsWith('repeat')) return Array.from({ length: 60 }, (): ScriptStep[] => [{ type: 'delay', ms: 10 }, { type: 'text', text: 'The module exports add.\n' }]).flat();
  if (last?.type === 'user' && last.text.startsWith('loop')) return [{ type: 'tool_call', name: 'list_dir', arguments: '{"path":"","depth":0}' }];
  if (results === 0) return [{ type: 'tool_call', name: 'read_file', arguments: '{"path":"calc.py","offset":0,"limit":0}' }];
  if (results === 1) return [{ type: 'tool_call', name: 'apply_patch', arguments: PATCH, kind: 'custom' }];
  return [{ type: 'text', text: 'Added a comment to add().' }];
}

void describe('spark exec (scripted server)', () => {
  let t: TestServer;
  let repo: string;
  let env: Record<string, string>;

  before(async () => {
    t = await startTestServer({ engineOptions: { script, contextSize: 100_000 } });
    repo = await mkdtemp(join(tmpdir(), 'spark-exec-'));
    await writeFile(join(repo, 'calc.py'), 'def add(a, b):\n    return a + b\n');
    const git = (...args: string[]): void => { execFileSync('git', args, { cwd: repo, stdio: 'ignore' }); };
    git('init', '-q');
    git('add', '.');
    git('-c', 'user.email=t@example.com', '-c', 'user.name=t', 'commit', '-qm', 'init');
    env = { SPARK_DATA_DIR: await mkdtemp(join(tmpdir(), 'spark-data-')), SPARK_PORT: '1' };
  });
  after(async () => { await t.server.close(); });

  void it('--json streams documented JSONL events, applies the patch in the repo and exits 0', async () => {
    const run = await runCli(['exec', '--json', '--server', `${t.url}/v1`, '--model', TEST_MODEL, 'Comment the add function.'], { cwd: repo, env });
    assert.equal(run.code, 0, run.stderr);
    const events = run.stdout.trim().split('\n').map((line) => JSON.parse(line) as { type: string; [key: string]: unknown });
    assert.equal(events[0]?.type, 'session.started');
    assert.equal(events[0]?.['transport'], 'websocket');
    assert.equal(events.at(-1)?.type, 'turn.completed');
    assert.equal(events.at(-1)?.['final_message'], 'Added a comment to add().');
    const types = new Set(events.map((event) => event.type));
    for (const type of ['turn.started', 'response.started', 'tool_call', 'tool_result', 'patch.applied', 'response.completed', 'message']) assert.ok(types.has(type), type);
    const diff = execFileSync('git', ['diff'], { cwd: repo }).toString();
    assert.match(diff, /^\+ {4}return a \+ b {2}# sum$/m);
    const sessions = await readdir(join(env['SPARK_DATA_DIR'] ?? '', 'sessions'));
    assert.deepEqual(sessions, [`${String(events[0]?.['session_id'])}.jsonl`]);

    // Resume the same session headless: its history goes with the next turn.
    const resumed = await runCli(['resume', '--last', '--json', '--server', `${t.url}/v1`, '--model', TEST_MODEL, 'and now?'], { cwd: repo, env });
    assert.equal(resumed.code, 0, resumed.stderr);
    const again = resumed.stdout.trim().split('\n').map((line) => JSON.parse(line) as { type: string; [key: string]: unknown });
    assert.equal(again[0]?.['session_id'], events[0]?.['session_id']);
    assert.equal(again[0]?.['resumed_turns'], 1);
    assert.equal(again.at(-1)?.['final_message'], 'Still here.');
    assert.ok((t.engine.requests.at(-1)?.conversation.length ?? 0) >= 8, 'the resumed history was sent');
  });

  void it('prints only the final message on stdout without --json, and exits 3 at --max-steps', async () => {
    await writeFile(join(repo, 'calc.py'), 'def add(a, b):\n    return a + b\n');
    const plain = await runCli(['exec', '--ephemeral', '--server', `${t.url}/v1`, 'Comment the add function.'], { cwd: repo, env });
    assert.equal(plain.code, 0, plain.stderr);
    assert.equal(plain.stdout, 'Added a comment to add().\n');
    assert.match(plain.stderr, /> read_file/);
    const looping = await runCli(['exec', '--ephemeral', '--json', '--max-steps', '2', '--server', `${t.url}/v1`, 'loop forever'], { cwd: repo, env });
    assert.equal(looping.code, 3);
    assert.match(looping.stdout, /"status":"max_steps"/);
  });

  void it('stops a model that repeats itself, says so in the events, and exits 4', async () => {
    const calls = await runCli(['exec', '--ephemeral', '--json', '--server', `${t.url}/v1`, 'loop forever'], { cwd: repo, env });
    assert.equal(calls.code, 4, calls.stderr);
    const callEvents = calls.stdout.trim().split('\n').map((line) => JSON.parse(line) as { type: string; code?: string; status?: string });
    assert.equal(callEvents.filter((event) => event.type === 'tool_result').length, 2);
    assert.ok(callEvents.some((event) => event.type === 'warning' && event.code === 'repetition'));
    assert.equal(callEvents.at(-1)?.status, 'repetition');

    const text = await runCli(['exec', '--ephemeral', '--json', '--server', `${t.url}/v1`, 'repeat after me'], { cwd: repo, env });
    assert.equal(text.code, 4, text.stderr);
    const events = text.stdout.trim().split('\n').map((line) => JSON.parse(line) as { type: string; code?: string; status?: string; delta?: string; partial?: boolean });
    assert.ok(events.some((event) => event.type === 'warning' && event.code === 'repetition'));
    assert.ok(events.some((event) => event.type === 'message' && event.partial === true), 'the partial answer is reported');
    const streamed = events.flatMap((event) => event.type === 'text.delta' ? [event.delta ?? ''] : []).join('');
    assert.ok(streamed.split('\n').length < 30, `stopped well before the 60 lines: ${streamed.split('\n').length}`);
    const unguarded = await runCli(['exec', '--ephemeral', '--json', '--no-loop-guard', '--server', `${t.url}/v1`, 'repeat after me'], { cwd: repo, env });
    assert.equal(unguarded.code, 0, unguarded.stderr);
  });

  void it('says which sandbox holds, and a hostile command never writes beside the workspace (sandboxed, or asked and declined)', async () => {
    const sibling = await mkdtemp(join(tmpdir(), 'spark-exec-sibling-'));
    await writeFile(join(sibling, 'keep'), 'original\n');
    const hostile = `shell: echo x > ${sibling}/new; cp calc.py ${sibling}/; echo x | tee -a ${sibling}/keep; rm -f ${sibling}/keep`;
    const parse = (stdout: string) => stdout.trim().split('\n').map((line) => JSON.parse(line) as { type: string; [key: string]: unknown });
    const untouched = async (): Promise<void> => {
      assert.deepEqual(await readdir(sibling), ['keep']);
      assert.equal(await readFile(join(sibling, 'keep'), 'utf8'), 'original\n');
    };

    const probe = await probeBubblewrap();
    const auto = await runCli(['exec', '--json', '--ephemeral', '--server', `${t.url}/v1`, '--model', TEST_MODEL, hostile], { cwd: repo, env });
    assert.equal(auto.code, 0, auto.stderr);
    const events = parse(auto.stdout);
    const sandbox = events[0]?.['sandbox'] as { type: string; summary: string } | undefined;
    if (probe.ok) {
      assert.equal(sandbox?.type, 'bubblewrap');
      assert.equal(sandbox?.summary, 'bubblewrap (workspace and a private /tmp writable, network off)');
      assert.ok(!events.some((event) => event.type === 'approval.requested'), 'confined, so not asked');
      assert.match(String(events.at(-1)?.['final_message']), /^shell said: Exit code \d+/);
    } else {
      assert.equal(sandbox?.type, 'none');
      assert.match(sandbox?.summary ?? '', /commands that may write ask first$/);
      assert.ok(events.some((event) => event.type === 'approval.requested'));
    }
    await untouched();

    // --sandbox off: the write is asked for, and a headless run declines it.
    const off = await runCli(['exec', '--json', '--ephemeral', '--sandbox', 'off', '--server', `${t.url}/v1`, '--model', TEST_MODEL, hostile], { cwd: repo, env });
    assert.equal(off.code, 0, off.stderr);
    const offEvents = parse(off.stdout);
    assert.deepEqual(offEvents[0]?.['sandbox'], { type: 'none', reason: 'off', summary: 'none (--sandbox off): commands that may write ask first' });
    assert.match(String(offEvents.find((event) => event.type === 'approval.requested')?.['reason']), /No sandbox confines shell commands here/);
    assert.equal(offEvents.find((event) => event.type === 'approval.decided')?.['decision'], 'deny');
    assert.match(String(offEvents.at(-1)?.['final_message']), /^shell said: The user declined/);
    await untouched();

    // Without --json the confinement is one line on stderr.
    const plain = await runCli(['exec', '--ephemeral', '--sandbox', 'off', '--server', `${t.url}/v1`, '--model', TEST_MODEL, 'shell: ls'], { cwd: repo, env });
    assert.equal(plain.code, 0, plain.stderr);
    assert.match(plain.stderr, /^spark exec: sandbox: none \(--sandbox off\): commands that may write ask first$/m);
  });

  void it('usage errors exit 2 with a message', async () => {
    const none = await runCli(['exec', '--server', `${t.url}/v1`], { cwd: repo, env });
    assert.equal(none.code, 2);
    assert.match(none.stderr, /needs a task/);
    const bad = await runCli(['exec', '--approval', 'yolo', '--server', `${t.url}/v1`, 'x'], { cwd: repo, env });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--approval must be/);
    const sandbox = await runCli(['exec', '--sandbox', 'maybe', '--server', `${t.url}/v1`, 'x'], { cwd: repo, env });
    assert.equal(sandbox.code, 2);
    assert.match(sandbox.stderr, /--sandbox must be auto or off/);
  });

  void it('a server that is down fails with exit 1 and a clear error', async () => {
    const before = await readFile(join(repo, 'calc.py'), 'utf8');
    const down = await runCli(['exec', '--server', 'http://127.0.0.1:9/v1', 'x'], { cwd: repo, env });
    assert.equal(down.code, 1);
    assert.match(down.stderr, /spark: /);
    assert.equal(await readFile(join(repo, 'calc.py'), 'utf8'), before);
  });
});
