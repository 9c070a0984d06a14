import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HistoryItem } from '../history/history-item.js';
import { renderTranscript, splitForCompaction, summaryMessage, SUMMARY_PREFIX } from './compact-history.js';
import { pruneToolOutputs } from './prune-tool-outputs.js';

const user = (content: string): HistoryItem => ({ type: 'message', role: 'user', content });
const call = (id: string): HistoryItem => ({ type: 'function_call', call_id: id, name: 'read_file', arguments: '{}' });
const out = (id: string, output: string): HistoryItem => ({ type: 'function_call_output', call_id: id, output });

void describe('compaction pieces', () => {
  void it('prunes long old tool outputs and keeps the recent ones and the calls', () => {
    const history = [user('go'), call('a'), out('a', 'x'.repeat(1000)), call('b'), out('b', 'short'), call('c'), out('c', 'y'.repeat(1000)), call('d'), out('d', 'z'.repeat(1000))];
    const { history: pruned, prunedChars } = pruneToolOutputs(history, 2);
    assert.equal(prunedChars, 1000);
    assert.match((pruned[2] as { output: string }).output, /^\[output pruned to save context: 1000 characters/);
    assert.deepEqual(pruned.slice(3), history.slice(3));
  });

  void it('keeps the current turn when it fits, else a tail that never starts with a tool output', () => {
    const history = [user('old'), call('a'), out('a', 'aaa'), user('now'), call('b'), out('b', 'bbb')];
    const fits = splitForCompaction(history, 1000);
    assert.deepEqual(fits.recent, history.slice(3));
    assert.equal(fits.currentRequest, undefined);
    const big = [user('now'), call('a'), out('a', 'x'.repeat(3000)), call('b'), out('b', 'x'.repeat(30))];
    const tail = splitForCompaction(big, 40);
    assert.deepEqual(tail.recent, big.slice(3));
    assert.equal(tail.currentRequest, 'now');
    assert.ok(summaryMessage('did things', tail.currentRequest).type === 'message');
    const message = summaryMessage('did things', 'now');
    assert.equal(message.type === 'message' && message.content, `${SUMMARY_PREFIX}\ndid things\n\nThe user's current request: now`);
  });

  void it('renders a transcript and clips its middle', () => {
    const text = renderTranscript([user('hello'), call('a'), out('a', 'result')], 10_000);
    assert.equal(text, 'USER: hello\n\nTOOL CALL read_file({})\n\nTOOL RESULT:\nresult');
    const clipped = renderTranscript([user('x'.repeat(500))], 100);
    assert.match(clipped, /characters of the transcript omitted/);
    assert.ok(clipped.length < 200);
  });
});
