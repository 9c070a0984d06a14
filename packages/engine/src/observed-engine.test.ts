import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { GenerateRequest } from './engine-types.js';
import { ObservedEngine } from './observed-engine.js';
import { ScriptedEngine } from './scripted-engine.js';

const request = (signal: AbortSignal): GenerateRequest => ({
  model: 'scripted', conversation: [{ type: 'user', text: 'one two three' }], tools: [], toolChoice: { type: 'auto' },
  parallelToolCalls: true, outputFormat: { type: 'text' }, sampling: { temperature: 0 }, signal,
});

describe('ObservedEngine', () => {
  it('keeps the inner engine identity and reports start, every event and the end in order', async () => {
    const inner = new ScriptedEngine();
    const seen: string[] = [];
    const engine = new ObservedEngine(inner, {
      onStart: () => seen.push('start'),
      onEvent: (_request, event) => seen.push(event.type),
      onEnd: () => seen.push('end'),
    });
    assert.equal(engine.name, inner.name);
    const passed: string[] = [];
    let stateEngine: string | undefined;
    for await (const event of engine.generate(request(new AbortController().signal))) {
      passed.push(event.type);
      if (event.type === 'finish') stateEngine = event.state?.engine;
    }
    // The states it passes on stay continuable: they name the engine the server resolves.
    assert.equal(stateEngine, engine.name);
    assert.deepEqual(seen, ['start', ...passed, 'end']);
    assert.equal(passed[0], 'prompt');
    assert.equal(passed.at(-1), 'finish');
  });

  it('reports the end when the consumer breaks off early', async () => {
    let ended = 0;
    const engine = new ObservedEngine(new ScriptedEngine(), { onEnd: () => { ended += 1; } });
    for await (const event of engine.generate(request(new AbortController().signal))) if (event.type === 'text-delta') break;
    assert.equal(ended, 1);
  });
});
