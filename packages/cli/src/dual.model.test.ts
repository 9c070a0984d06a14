// Dual mode on the real engine: one `spark serve` loads SmolLM2 (fast) and Gemma 3 270M (deep)
// into one engine; the foreground agent delegates (a forced spawn_agent: these models would not
// delegate by themselves), the background agent runs on gemma on its own lane and reports a
// summary and a patch; on the foreground's own model it forks the foreground's context.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openAgent, type AgentEvent, type OpenAgentOptions } from '@spark/agent';
import type { CreateParams } from '@spark/client';
import { startSparkServe, type SparkServeProcess } from './testing/codex-harness.js';

const FAST = 'smollm2-135m';
const DEEP = 'gemma3-270m';
/** Later steps may not call tools: the turn ends with text, which becomes the summary. */
const ANSWER = { tool_choice: 'none', temperature: 0, max_output_tokens: 48 } as const;

/** A fork reuses at least this share of the foreground's prompt; a fresh context, under a prompt naming another directory, far less. */
const FORK_CACHED_SHARE = 0.9;

type Finished = Extract<AgentEvent, { type: 'background.finished' }>;

describe('dual mode on SmolLM2 (fast) and Gemma 3 270M (deep) in one spark serve', () => {
  let serve: SparkServeProcess;
  let base: string;

  before(async () => {
    serve = await startSparkServe(['--model', FAST, '--model', DEEP, '--offline', '--db', ':memory:', '--no-app', '--ctx', '8192'], 300_000);
    base = await mkdtemp(join(tmpdir(), 'spark-dual-model-'));
  });
  after(async () => {
    await serve.stop();
    await rm(base, { recursive: true, force: true });
  });

  async function repo(name: string): Promise<string> {
    const dir = join(base, name);
    execFileSync('mkdir', ['-p', dir]);
    execFileSync('git', ['init', '-q'], { cwd: dir });
    await writeFile(join(dir, 'calc.py'), 'def add(a, b):\n    return a + b\n');
    execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', 'add', '-A'], { cwd: dir });
    execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', 'commit', '-qm', 'start'], { cwd: dir });
    return dir;
  }

  /**
   * Opens a foreground agent on FAST; background agents take their first step with `backgroundTool`
   * forced (and, given `firstTools`, offered only those: a schema can pin the arguments too).
   */
  async function open(workspace: string, backgroundTool: string, extra: Partial<OpenAgentOptions> = {}, firstTools?: CreateParams['tools']): Promise<Awaited<ReturnType<typeof openAgent>>> {
    return openAgent({
      baseUrl: `${serve.url}/v1`, model: FAST, workspace, approval: 'auto-in-workspace', sandbox: 'off', transport: 'websocket', sessionDir: false,
      maxStepsPerTurn: 2, requestOverrides: ANSWER,
      background: {
        delegate: true, worktreeDir: join(base, 'worktrees'), maxSteps: 2, requestOverrides: ANSWER,
        firstStepOverrides: { tool_choice: { type: 'function', name: backgroundTool }, temperature: 0, max_output_tokens: 96, ...(firstTools === undefined ? {} : { tools: firstTools }) },
      },
      ...extra,
    });
  }

  /** Reads the thread's events until a background agent is done. */
  async function untilFinished(events: AsyncIterator<AgentEvent>, log: AgentEvent[]): Promise<Finished> {
    for (let next = await events.next(); !next.done; next = await events.next()) {
      log.push(next.value);
      if (next.value.type === 'background.error') assert.fail(`background error: ${JSON.stringify(next.value)}`);
      if (next.value.type === 'background.finished') return next.value;
      if (next.value.type === 'thread.idle' && !log.some((event) => event.type === 'background.started')) assert.fail(`no background agent started: ${JSON.stringify(log.filter((event) => event.type === 'tool_call' || event.type === 'tool_result'))}`);
    }
    throw new Error('events ended');
  }

  it('serves both models from one engine', async () => {
    const models = (await (await fetch(`${serve.url}/v1/models`)).json()) as { data: Array<{ id: string }> };
    assert.deepEqual(models.data.map((model) => model.id).sort(), [DEEP, FAST].sort());
    assert.match(serve.log(), new RegExp(`loading ${FAST}, ${DEEP}\\.\\.\\.`), 'one engine loads both');
  });

  it('the foreground delegates with a forced spawn_agent; the background agent runs on gemma on its own lane and finishes with a summary', async () => {
    const workspace = await repo('delegate');
    const { agent, connection } = await open(workspace, 'read_file', {
      deepModel: DEEP,
      // Room for the whole call: arguments cut off by the limit are not valid JSON.
      firstStepOverrides: { tool_choice: { type: 'function', name: 'spawn_agent' }, temperature: 0, max_output_tokens: 400 },
    });
    const log: AgentEvent[] = [];
    const events = agent.events()[Symbol.asyncIterator]();
    try {
      await agent.submit({ type: 'user_message', text: 'Start a background agent with the task "Explain calc.py".' });
      const finished = await untilFinished(events, log);
      const started = log.find((event) => event.type === 'background.started');
      assert.ok(started?.type === 'background.started', 'spawn_agent started a background agent');
      assert.equal(started.model, DEEP);
      assert.equal(started.role, 'deep');
      assert.equal(started.stream_id, `bg-${started.agent_id}`);
      assert.equal(finished.agent_id, started.agent_id);
      assert.ok(log.some((event) => event.type === 'background.step' && event.tool === 'read_file'), 'its forced step ran a tool');
      assert.notEqual(finished.summary.trim(), '', 'its answer is the summary');
      assert.equal(finished.patch, '', 'reading changes nothing');
    } finally {
      await events.return?.();
      await agent.background.close();
      await connection.close();
    }
  });

  it('a background agent that writes a file returns it as a patch (the background op, a forced shell call on gemma)', async () => {
    const workspace = await repo('write');
    // never-ask: a command that writes runs without a sandbox (in the agent's own worktree) instead of waiting for an approval.
    // The command is pinned by the tool's schema (the engine's grammar enforces it): what gemma would
    // write freely differs from CPU to CPU, and this test is about the patch, not the model's shell.
    const pinnedShell: CreateParams['tools'] = [{
      type: 'function', name: 'shell', description: 'Runs a shell command in the workspace.', strict: true,
      parameters: { type: 'object', properties: { command: { type: 'string', enum: ['touch hello.txt'] } }, required: ['command'], additionalProperties: false },
    }];
    const { agent, connection } = await open(workspace, 'shell', { deepModel: DEEP, approval: 'never-ask' }, pinnedShell);
    const log: AgentEvent[] = [];
    const events = agent.events()[Symbol.asyncIterator]();
    try {
      await agent.submit({ type: 'background', text: 'Create the empty file hello.txt with this shell command: touch hello.txt', role: 'deep' });
      const finished = await untilFinished(events, log);
      const call = log.find((event) => event.type === 'background.step');
      assert.equal(call?.type === 'background.step' && call.tool, 'shell');
      assert.deepEqual(finished.files, ['hello.txt'], `the command gemma wrote created hello.txt (summary: ${finished.summary})`);
      assert.match(finished.patch, /\*\*\* Add File: hello\.txt\n/);
      assert.notEqual(finished.summary.trim(), '');
    } finally {
      await events.return?.();
      await agent.background.close();
      await connection.close();
    }
  });

  it('on the foreground\'s own model the background agent forks its context: its first prefill comes from the cache', async () => {
    const workspace = await repo('fork');
    const { agent, connection } = await open(workspace, 'read_file');
    const log: AgentEvent[] = [];
    for await (const event of agent.run('What does calc.py do?')) log.push(event);
    const foreground = log.find((event) => event.type === 'response.completed');
    assert.ok(foreground?.type === 'response.completed');
    const events = agent.events()[Symbol.asyncIterator]();
    try {
      await agent.submit({ type: 'background', text: 'Read calc.py and say what add does.', role: 'fast' });
      await untilFinished(events, log);
      const status = log.find((event) => event.type === 'background.status');
      assert.ok(status?.type === 'background.status');
      assert.equal(status.steps, 1);
      // Its first request continued the foreground's response: nearly all of the foreground's prompt was in the KV (the
      // template renders the end of a finished assistant turn a little differently from the open one it generated in).
      const cached = status.cached_tokens ?? 0;
      assert.ok(cached >= FORK_CACHED_SHARE * foreground.stats.input_tokens, `cached ${cached} of the foreground's ${foreground.stats.input_tokens} prompt tokens`);
    } finally {
      await events.return?.();
      await agent.background.close();
      await connection.close();
    }
  });
});
