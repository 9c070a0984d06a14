// The agent loop on the real engine (SmolLM2 GGUF, tool calls grammar-constrained): a tool call
// is made, executed in the workspace, and its result goes back as an incremental WebSocket turn.
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openAgent, type AgentEvent } from '@spark/agent';
import { ObservedEngine } from '@spark/engine';
import { LlamaEngine, resolveModel } from '@spark/engine-llama';
import { startServer, type RunningServer } from '@spark/server';
import { watchAborts } from './testing/abort-watch.js';

const MODEL = 'smollm2-135m';

describe('agent loop on SmolLM2', () => {
  const watch = watchAborts();
  let engine: ObservedEngine;
  let server: RunningServer;
  let workspace: string;

  before(async () => {
    const local = await resolveModel(MODEL, { pull: true });
    engine = new ObservedEngine(await LlamaEngine.create({ models: [{ id: MODEL, path: local.path }], contextSize: 4096, sequences: 2 }), watch.observer);
    server = await startServer({ engine, port: 0, dbPath: ':memory:' });
    workspace = await mkdtemp(join(tmpdir(), 'spark-agent-model-'));
    await writeFile(join(workspace, 'calc.py'), 'def add(a, b):\n    return a + b\n');
  });

  after(async () => {
    await server.close();
    await engine.dispose();
  });

  it('calls a tool, runs it, and sends only its result on the warm WebSocket chain', async () => {
    const { agent, connection, contextWindow } = await openAgent({
      baseUrl: `${server.url}/v1`, workspace, approval: 'auto-in-workspace', transport: 'websocket', sessionDir: false,
      // Two forced calls: the second request must carry the first call's result.
      maxStepsPerTurn: 2,
      requestOverrides: { tool_choice: { type: 'function', name: 'read_file' }, temperature: 0 },
    });
    try {
      assert.equal(contextWindow, 4096, 'the budget comes from the engine\'s real window');
      const firstRequest = watch.requests.length;
      const events: AgentEvent[] = [];
      for await (const event of agent.run('Read calc.py and explain it.')) events.push(event);
      const calls = events.filter((event) => event.type === 'tool_call');
      const results = events.filter((event) => event.type === 'tool_result');
      assert.equal(calls.length, 2);
      assert.equal(calls[0]?.name, 'read_file');
      assert.doesNotThrow(() => JSON.parse(calls[0]?.input ?? ''), 'grammar-constrained arguments are valid JSON');
      assert.equal(results.length, 2, 'both calls were executed');
      assert.equal(events.at(-1)?.type === 'turn.completed' && events.at(-1)?.type, 'turn.completed');

      const requests = watch.requests.slice(firstRequest);
      assert.equal(requests.length, 2);
      assert.equal(requests[0]?.continueFrom, undefined);
      assert.ok(requests[1]?.continueFrom, 'step 2 continued the KV state of step 1');
      assert.deepEqual(requests[1]?.conversation.map((item) => item.type), ['tool_result']);
      const output = agent.items.find((item) => item.type === 'function_call_output');
      assert.equal(requests[1]?.conversation[0]?.type === 'tool_result' && requests[1].conversation[0].output, output?.type === 'function_call_output' ? output.output : undefined);
      const stats = events.filter((event) => event.type === 'response.completed').map((event) => event.stats);
      assert.ok((stats[1]?.cached_input_tokens ?? 0) >= (stats[0]?.input_tokens ?? Infinity), 'the whole first step stayed cached');
    } finally {
      await connection.close();
    }
  });
});
