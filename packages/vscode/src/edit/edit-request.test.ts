import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { editSelectionRequest, MAX_EDIT_SELECTION_CHARS, rewrittenSelection } from './edit-request.js';

describe('edit selection request', () => {
  it('sends the selection in the prompt and as the prediction, greedy, streamed, unstored', () => {
    const body = editSelectionRequest({ model: 'm', selection: 'let x = 1;\n', instruction: ' rename x to y ', languageId: 'typescript', path: 'a"b.ts' });
    assert.deepEqual(body.prediction, { type: 'content', content: 'let x = 1;\n' });
    assert.equal(body.stream, true);
    assert.equal(body.store, false);
    assert.equal(body.temperature, 0);
    assert.match(typeof body.input === 'string' ? body.input : '', /<selection path="ab.ts" language="typescript">\nlet x = 1;\n\n<\/selection>/);
    assert.match(typeof body.input === 'string' ? body.input : '', /<instruction>\nrename x to y\n<\/instruction>/);
  });

  it('leaves the prediction out for the baseline, refuses empty instructions and huge selections', () => {
    assert.equal(editSelectionRequest({ model: 'm', selection: 'a', instruction: 'b', predict: false }).prediction, undefined);
    assert.throws(() => editSelectionRequest({ model: 'm', selection: 'a', instruction: '  ' }), RangeError);
    assert.throws(() => editSelectionRequest({ model: 'm', selection: 'x'.repeat(MAX_EDIT_SELECTION_CHARS + 1), instruction: 'b' }), RangeError);
  });

  it('takes a code fence off the reply and matches the original trailing newline', () => {
    assert.equal(rewrittenSelection('a\n', '```ts\nb\n```'), 'b\n');
    assert.equal(rewrittenSelection('a', 'b\n'), 'b');
    assert.equal(rewrittenSelection('a\n', 'b'), 'b\n');
  });
});
