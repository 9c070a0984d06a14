import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ScriptedEngine } from '@spark/engine';
import { draftFigures, TappedEngine } from './tapped-engine.js';

void describe('draftFigures', () => {
  void it('reads the llama speculation figures and ignores what is not a number', () => {
    assert.deepEqual(draftFigures({ llama: { speculation: { steps: 3, draftedTokens: 40, acceptedTokens: 30, verifyMs: 9 } } }), { steps: 3, drafted: 40, accepted: 30 });
    assert.deepEqual(draftFigures({ llama: { speculation: { steps: '3' } } }), { steps: 0, drafted: 0, accepted: 0 });
    assert.equal(draftFigures({ llama: {} }), undefined);
    assert.equal(draftFigures(undefined), undefined);
  });
});

void describe('TappedEngine', () => {
  void it('passes events through and records the finish and the first tool-call part', async () => {
    const engine = new TappedEngine(new ScriptedEngine({ models: ['m'], contextSize: 1000, script: () => [{ type: 'tool_call', name: 'f', arguments: '{}' }] }));
    const types: string[] = [];
    for await (const event of engine.generate({
      model: 'm', conversation: [{ type: 'user', text: 'hi' }], tools: [], toolChoice: { type: 'auto' }, parallelToolCalls: false,
      outputFormat: { type: 'text' }, sampling: { temperature: 0 }, signal: new AbortController().signal,
    })) types.push(event.type);
    assert.equal(types.includes('tool-call-start'), true);
    assert.equal(types.at(-1), 'finish');
    const [seen] = engine.generations;
    assert.ok(seen?.firstCallAt !== undefined && seen.usage !== undefined);
  });
});
