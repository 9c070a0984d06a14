import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ResponsesConnection } from '@spark/client';
import type { GenerateRequest, ScriptStep } from '@spark/engine';
import { agentEventSchema } from '@spark/protocol';
import { startTestServer, TEST_MODEL, type TestServer } from '@spark/server/testing';
import type { Agent, AgentOptions } from '../loop/agent.js';
import { AgentError } from '../loop/agent-error.js';
import { createIsolatedWorkspace, OWNER_SUFFIX, removeIsolatedWorkspace } from './isolated-workspace.js';
import type { AgentEvent } from '../loop/agent-events.js';
import { runTurns } from '../loop/agent-handle.js';
import { Session } from '../session/session-store.js';
import { openTestAgent } from '../testing/test-agent.js';

/** Every request the engine saw: its lane (`<connection>/<stream_id>`) and the last user text. */
const seen: Array<{ session: string; user: string }> = [];

function lastOf(request: GenerateRequest, type: 'user' | 'tool_result'): string {
  const item = [...request.conversation].reverse().find((entry) => entry.type === type);
  return item?.type === 'user' ? item.text : item?.type === 'tool_result' ? item.output : '';
}

/**
 * Background tasks ('BG ...') take three tool-calling steps: read src.txt, `cat` a FIFO named in
 * the task (the test holds the agent there by not writing it yet), then one patch. The
 * foreground delegates 'delegate ...' with spawn_agent and echoes everything else.
 */
function script(request: GenerateRequest): readonly ScriptStep[] {
  // A background agent forked from the foreground sees the foreground's messages first: its task is the one starting 'BG'.
  const users = request.conversation.flatMap((item) => (item.type === 'user' ? [item.text] : []));
  const task = users.find((text) => text.startsWith('BG')) ?? users[0] ?? '';
  seen.push({ session: request.session ?? '', user: task });
  const last = request.conversation.at(-1);
  if (task.startsWith('BG')) {
    const gate = /gate=(\S+)/.exec(task)?.[1];
    if (task.startsWith('BG quick')) return [{ type: 'text', text: 'Nothing to change.' }];
    if (task.startsWith('BG silent')) return [{ type: 'text', text: '' }];
    if (task.startsWith('BG escape')) {
      // A forked agent sees the user's workspace in the conversation and may aim a command at it.
      const target = /target=(\S+)/.exec(task)?.[1] ?? 'missing';
      if (last?.type !== 'tool_result') return [{ type: 'tool_call', name: 'shell', arguments: JSON.stringify({ command: `echo escaped > ${target}`, timeout_ms: 0 }) }];
      return [{ type: 'text', text: `Shell said: ${lastOf(request, 'tool_result')}` }];
    }
    if (last?.type !== 'tool_result') return [{ type: 'tool_call', name: 'read_file', arguments: '{"path":"src.txt","offset":0,"limit":0}' }];
    const output = lastOf(request, 'tool_result');
    if (output.includes('src.txt (lines')) return [{ type: 'tool_call', name: 'shell', arguments: JSON.stringify({ command: `cat ${gate ?? 'missing'}`, timeout_ms: 0 }) }];
    if (output.includes('opened')) {
      const patch = '*** Begin Patch\n*** Update File: src.txt\n@@\n alpha\n-beta\n+BETA\n gamma\n*** Add File: new.txt\n+made in the background\n*** End Patch';
      return [{ type: 'tool_call', name: 'apply_patch', arguments: JSON.stringify({ input: patch }) }];
    }
    return [{ type: 'text', text: 'Changed beta to BETA in src.txt and added new.txt.' }];
  }
  if (lastOf(request, 'user').startsWith('delegate')) {
    if (last?.type === 'tool_result') return [{ type: 'text', text: 'A background agent is on it.' }];
    return [{ type: 'tool_call', name: 'spawn_agent', arguments: JSON.stringify({ message: task.replace('delegate', 'BG'), files: 'src.txt', model: '' }) }];
  }
  if (lastOf(request, 'user').startsWith('slow')) return Array.from({ length: 400 }, (_, index): ScriptStep[] => [{ type: 'delay', ms: 5 }, { type: 'text', text: ` w${index}` }]).flat();
  return [{ type: 'text', text: `Echo: ${lastOf(request, 'user')}` }];
}

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], { cwd, encoding: 'utf8' });
}

/** A FIFO a background agent's `cat` blocks on until `open` writes to it. */
async function gate(dir: string, name: string): Promise<{ path: string; open: () => Promise<void> }> {
  const path = join(dir, name);
  execFileSync('mkfifo', [path]);
  return { path, open: () => writeFile(path, 'opened\n') };
}

/** Reads the thread's events into `log` until `until` matches one (included). */
async function collect(events: AsyncIterable<AgentEvent>, log: AgentEvent[], until: (event: AgentEvent) => boolean): Promise<AgentEvent> {
  for await (const event of events) {
    log.push(event);
    if (until(event)) return event;
  }
  throw new Error('events ended');
}

void describe('background agents (dual mode, scripted engine over a real server)', () => {
  let t: TestServer;
  let base: string;
  const connections: ResponsesConnection[] = [];
  const agents: Agent[] = [];

  before(async () => {
    t = await startTestServer({ engineOptions: { script, contextSize: 100_000 } });
    base = await mkdtemp(join(tmpdir(), 'spark-bg-'));
  });
  after(async () => {
    for (const agent of agents) await agent.background.close();
    for (const connection of connections) await connection.close();
    await t.server.close();
    await rm(base, { recursive: true, force: true });
  });

  /** A git repository with src.txt committed and an uncommitted change to notes.txt. */
  async function repo(name: string): Promise<string> {
    const dir = join(base, name);
    execFileSync('mkdir', ['-p', dir]);
    git(dir, 'init', '-q');
    await writeFile(join(dir, 'src.txt'), 'alpha\nbeta\ngamma\n');
    await writeFile(join(dir, 'notes.txt'), 'one\n');
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'start');
    await writeFile(join(dir, 'notes.txt'), 'one\ntwo (uncommitted)\n');
    return dir;
  }

  async function agentIn(workspace: string, extra: Partial<AgentOptions> = {}): Promise<Agent> {
    const agent = await openTestAgent(t.url, TEST_MODEL, workspace, connections, {
      sandbox: 'off', background: { delegate: true, worktreeDir: join(base, 'worktrees') }, ...extra,
    });
    agents.push(agent);
    return agent;
  }

  void it('the foreground delegates, answers two more messages while the background agent runs three tool steps on another lane of the same socket, and gets a summary and a patch', async () => {
    const workspace = await repo('delegate');
    const agent = await agentIn(workspace);
    const hold = await gate(base, 'gate-delegate');
    const log: AgentEvent[] = [];
    const events = agent.events()[Symbol.asyncIterator]();
    // Each `collect` leaves its loop early; the subscription itself stays open across them.
    const stream: AsyncIterable<AgentEvent> = { [Symbol.asyncIterator]: () => ({ next: () => events.next() }) };

    await agent.submit({ type: 'user_message', text: `delegate the fix gate=${hold.path}` });
    const started = await collect(stream, log, (event) => event.type === 'background.started');
    assert.equal(started.type === 'background.started' && started.role, 'fast', 'no deep model: the fast model');
    await collect(stream, log, (event) => event.type === 'thread.idle');
    // The background agent now sits in its second tool step (the shell command on the gate).
    await collect(stream, log, (event) => event.type === 'background.step' && event.tool === 'shell');
    for (const text of ['hello', 'how is it going']) {
      await agent.submit({ type: 'user_message', text });
      await collect(stream, log, (event) => event.type === 'thread.idle');
    }
    await hold.open();
    const finished = await collect(stream, log, (event) => event.type === 'background.finished');
    await events.return?.();

    const order = log.map((event) => event.type === 'turn.completed' ? `fg:${event.turn}` : event.type.startsWith('background.') ? `${event.type}${event.type === 'background.step' ? `:${event.tool}` : ''}` : '').filter((entry) => entry !== '');
    const at = (entry: string): number => order.indexOf(entry);
    assert.ok(at('background.started') < at('fg:1'), order.join(' '));
    assert.ok(at('background.step:read_file') < at('background.step:shell'));
    assert.ok(at('background.step:shell') < at('fg:2') && at('fg:3') < at('background.step:apply_patch'), `the foreground's turns 2 and 3 ran between the background's steps: ${order.join(' ')}`);
    assert.ok(at('background.step:apply_patch') < at('background.finished'));
    for (const event of log) agentEventSchema.parse(JSON.parse(JSON.stringify(event)));

    assert.ok(finished.type === 'background.finished');
    assert.equal(agent.background.list().length, 1, 'one delegation, one background agent');
    assert.equal(finished.status, 'completed');
    assert.equal(finished.summary, 'Changed beta to BETA in src.txt and added new.txt.');
    assert.deepEqual(finished.files.sort(), ['new.txt', 'src.txt']);
    assert.match(finished.patch, /\*\*\* Update File: src\.txt\n@@\n alpha\n-beta\n\+BETA\n gamma\n/);
    assert.match(finished.patch, /\*\*\* Add File: new\.txt\n\+made in the background\n/);
    assert.doesNotMatch(finished.patch, /notes\.txt/, "the user's uncommitted change was its starting point, not its change");
    assert.equal(await readFile(join(workspace, 'src.txt'), 'utf8'), 'alpha\nbeta\ngamma\n', "the user's files are untouched until applied");

    // Watchable live: its answer text (coalesced) and each tool's outcome in brief, before `finished`.
    const ofAgent = log.filter((event) => 'agent_id' in event && event.agent_id === finished.agent_id);
    assert.equal(ofAgent.map((event) => event.type === 'background.delta' ? event.delta : '').join(''), finished.summary);
    const tools = ofAgent.flatMap((event) => event.type === 'background.tool' ? [event] : []);
    assert.deepEqual(tools.map((tool) => tool.name), ['read_file', 'shell', 'apply_patch']);
    assert.ok(tools.every((tool) => tool.ok) && tools[1]?.output.includes('opened'), JSON.stringify(tools));

    // One socket: the background requests ran on their own lane of the foreground's connection.
    const lane = `bg-${finished.agent_id}`;
    const fg = seen.find((entry) => entry.user.startsWith('delegate'))?.session ?? '';
    const bg = seen.filter((entry) => entry.session.endsWith(`/${lane}`));
    assert.equal(bg.length, 4, 'three tool-calling steps and the answer');
    assert.ok(bg.every((entry) => entry.session.split('/')[0] === fg.split('/')[0]), 'the same connection');
    assert.notEqual(fg.split('/')[1], lane);

    // Applied through the apply_patch path: files change, and undo knows the patch.
    const applied = [];
    const appliedEvents = agent.events()[Symbol.asyncIterator]();
    await agent.submit({ type: 'background_apply', agent_id: finished.agent_id });
    for (;;) {
      const next = await appliedEvents.next();
      applied.push(next.value as AgentEvent);
      if ((next.value as AgentEvent).type === 'background.applied') break;
    }
    await appliedEvents.return?.();
    assert.deepEqual(applied.map((event) => event.type), ['patch.applied', 'background.applied']);
    assert.equal(await readFile(join(workspace, 'src.txt'), 'utf8'), 'alpha\nBETA\ngamma\n');
    assert.equal(await readFile(join(workspace, 'new.txt'), 'utf8'), 'made in the background\n');
    assert.equal(agent.undoable.at(-1)?.call_id, `${finished.agent_id}-apply`);
    assert.equal(agent.background.get(finished.agent_id)?.applied, true);
  });

  void it('applying the patch after the user edited one of its files refuses that hunk, says which, and writes nothing', async () => {
    const workspace = await repo('conflict');
    const agent = await agentIn(workspace);
    const hold = await gate(base, 'gate-conflict');
    const info = await agent.startBackground(`BG fix gate=${hold.path}`);
    await writeFile(join(workspace, 'src.txt'), 'alpha\nbeta edited by the user\ngamma\n');
    await hold.open();
    await waitFor(agent, info.agent_id);
    const result = await agent.applyBackground(info.agent_id, new AbortController().signal);
    assert.equal(result.ok, false);
    assert.match(result.output, /src\.txt/);
    assert.match(result.output, /context_not_found|hunk/i);
    assert.equal(await readFile(join(workspace, 'src.txt'), 'utf8'), 'alpha\nbeta edited by the user\ngamma\n');
    await assert.rejects(stat(join(workspace, 'new.txt')), 'atomic: the other file of the patch is not written either');
    assert.notEqual(agent.background.get(info.agent_id)?.applied, true);
  });

  void it('stopping a background agent ends it and removes its worktree; a foreground interrupt does not stop it', async () => {
    const workspace = await repo('stop');
    const agent = await agentIn(workspace);
    const hold = await gate(base, 'gate-stop');
    const info = await agent.startBackground(`BG fix gate=${hold.path}`);
    const worktree = join(base, 'worktrees', info.agent_id);
    await stat(worktree);

    // The foreground runs a slow turn and is interrupted: the background agent goes on.
    const log: AgentEvent[] = [];
    for await (const event of runTurns(agent, 'slow answer')) {
      log.push(event);
      if (event.type === 'text.delta') await agent.submit({ type: 'interrupt' });
    }
    assert.ok(log.some((event) => event.type === 'turn.completed' && event.status === 'interrupted'));
    assert.equal(agent.background.get(info.agent_id)?.status, 'running');

    const events = agent.events()[Symbol.asyncIterator]();
    await agent.submit({ type: 'background_stop', agent_id: info.agent_id });
    // Its interrupted step may report first (`background.tool`, `.status`); then it stops.
    let stopped = (await events.next()).value as AgentEvent;
    while (stopped.type === 'background.tool' || stopped.type === 'background.status' || stopped.type === 'background.step') stopped = (await events.next()).value as AgentEvent;
    await events.return?.();
    assert.equal(stopped.type, 'background.stopped');
    assert.equal(agent.background.get(info.agent_id), undefined, 'a stopped agent is discarded');
    await assert.rejects(stat(worktree), 'its worktree is gone');
    assert.doesNotMatch(git(workspace, 'worktree', 'list'), new RegExp(info.agent_id), 'and unregistered from the repository');
  });

  void it('at most maxAgents run at once; the stop-all op stops every one', async () => {
    const workspace = await repo('limit');
    const agent = await agentIn(workspace, { background: { delegate: true, worktreeDir: join(base, 'worktrees'), maxAgents: 2 } });
    const holds = [await gate(base, 'gate-limit-1'), await gate(base, 'gate-limit-2')];
    for (const hold of holds) await agent.startBackground(`BG fix gate=${hold.path}`);
    await assert.rejects(agent.startBackground('BG quick'), (error: unknown) => error instanceof AgentError && error.code === 'background_limit');
    assert.equal(agent.background.runningCount, 2);
    await agent.submit({ type: 'background_stop' });
    assert.equal(agent.background.runningCount, 0);
    assert.deepEqual(agent.background.list(), []);
  });

  void it('a resumed session lists its background agents: finished results stay, running ones come back stopped', async () => {
    const workspace = await repo('resume');
    const sessions = join(base, 'sessions');
    const session = await Session.create(sessions, { workspace, model: TEST_MODEL });
    const agent = await agentIn(workspace, { session });
    const quick = await agent.startBackground('BG quick look');
    await waitFor(agent, quick.agent_id);
    const hold = await gate(base, 'gate-resume');
    const running = await agent.startBackground(`BG fix gate=${hold.path}`);
    await session.flush();

    // "Restart": a new agent from the session file while the old process's agent still runs.
    const { session: reopened, state } = await Session.open(sessions, session.id);
    const resumed = await agentIn(workspace, { session: reopened, resume: { history: state.history, undo: state.undo, turns: state.turns, background: state.background } });
    const listed = new Map(resumed.background.list().map((entry) => [entry.agent_id, entry]));
    assert.equal(listed.get(quick.agent_id)?.status, 'finished');
    assert.equal(listed.get(quick.agent_id)?.summary, 'Nothing to change.');
    assert.equal(listed.get(quick.agent_id)?.patch, '');
    assert.equal(listed.get(running.agent_id)?.status, 'stopped', 'never lost silently');
    assert.deepEqual(resumed.snapshot().background?.map((entry) => entry.agent_id).sort(), [quick.agent_id, running.agent_id].sort());
    assert.throws(() => resumed.background.message(running.agent_id, 'go on'), /earlier run/);
    await agent.background.close();
  });

  void it('a background agent whose model ends without a word still reports a summary saying so', async () => {
    const workspace = await repo('silent');
    const agent = await agentIn(workspace);
    const log: AgentEvent[] = [];
    const events = agent.events();
    const finished = collect(events, log, (event) => event.type === 'background.finished');
    await agent.startBackground('BG silent');
    const event = await finished;
    assert.ok(event.type === 'background.finished');
    assert.match(event.summary, /^\[no final answer from the model after 1 step\(s\); no files changed\]$/);
  });

  for (const sandbox of ['off', 'auto'] as const) {
    void it(`with the foreground in never-ask (sandbox ${sandbox}), a background agent's shell still cannot write the user's files`, async () => {
      const workspace = await repo(`escape-${sandbox}`);
      const agent = await agentIn(workspace, { approval: 'never-ask', sandbox });
      const target = join(workspace, 'notes.txt');
      const info = await agent.startBackground(`BG escape target=${target}`);
      const { agents: [done] } = await agent.background.wait([info.agent_id], 60_000);
      assert.equal(done?.status, 'finished');
      assert.equal(await readFile(target, 'utf8'), 'one\ntwo (uncommitted)\n', 'the user\'s file is untouched');
      // Denied (no sandbox: nobody answers a background ask), or the sandbox hides or write-protects the path.
      assert.match(done?.summary ?? '', /declined|Read-only file system|No such file or directory/i);
    });
  }

  void it('the first background agent removes worktrees that a crashed run left (owner process gone), and keeps a live process\'s', async () => {
    const workspace = await repo('leftover');
    const parent = join(base, 'worktrees-leftover');
    const dead = await createIsolatedWorkspace(workspace, parent, 'bgdead');
    const alive = await createIsolatedWorkspace(workspace, parent, 'bgalive');
    // The records as a crashed process and another running one left them.
    const exited = spawnSync(process.execPath, ['-e', '']).pid;
    await writeFile(`${dead.root}${OWNER_SUFFIX}`, JSON.stringify({ pid: exited, repository: dead.repository }));
    await writeFile(`${alive.root}${OWNER_SUFFIX}`, JSON.stringify({ pid: process.ppid, repository: alive.repository }));
    const agent = await agentIn(workspace, { background: { delegate: true, worktreeDir: parent } });
    const info = await agent.startBackground('BG quick');
    await waitFor(agent, info.agent_id);
    await assert.rejects(stat(dead.root), 'the dead process\'s worktree is gone');
    await assert.rejects(stat(`${dead.root}${OWNER_SUFFIX}`), 'with its record');
    assert.doesNotMatch(git(workspace, 'worktree', 'list'), /bgdead/, 'and unregistered from the repository');
    assert.ok((await stat(alive.root)).isDirectory(), 'a live process\'s worktree stays');
    await removeIsolatedWorkspace(alive);
  });

  void it('outside git, a background agent works on a copy of the workspace', async () => {
    const workspace = join(base, 'plain');
    execFileSync('mkdir', ['-p', workspace]);
    await writeFile(join(workspace, 'src.txt'), 'alpha\nbeta\ngamma\n');
    const agent = await agentIn(workspace);
    const hold = await gate(base, 'gate-plain');
    const info = await agent.startBackground(`BG fix gate=${hold.path}`);
    await hold.open();
    const done = await waitFor(agent, info.agent_id);
    assert.deepEqual(done.files.sort(), ['new.txt', 'src.txt']);
    assert.equal(await readFile(join(workspace, 'src.txt'), 'utf8'), 'alpha\nbeta\ngamma\n');
  });
});

/** Waits for the agent's `background.finished`. */
async function waitFor(agent: Agent, id: string): Promise<{ files: string[]; patch: string }> {
  const { agents: [info] } = await agent.background.wait([id], 60_000);
  assert.equal(info?.status, 'finished');
  const { patch = '' } = info ?? {};
  return { patch, files: [...patch.matchAll(/^\*\*\* (?:Update|Add|Delete) File: (.+)$/gm)].map((match) => match[1] ?? '') };
}
