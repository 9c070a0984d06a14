import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { contextMentions } from './context-mention.js';
import { parseExtensionMessage, MAX_CONTEXT_MENTIONS } from './relay-messages.js';

describe('context mentions', () => {
  it('offers the selection as path:lines (1-based) and the file, the file alone without a selection', () => {
    assert.deepEqual(contextMentions('src/foo.ts', { startLine: 9, endLine: 19, endCharacter: 4 }), ['src/foo.ts:10-20', 'src/foo.ts']);
    assert.deepEqual(contextMentions('src/foo.ts', { startLine: 9, endLine: 10, endCharacter: 0 }), ['src/foo.ts:10', 'src/foo.ts']);
    assert.deepEqual(contextMentions('src/foo.ts', undefined), ['src/foo.ts']);
    assert.deepEqual(contextMentions('my file.ts', undefined), [], 'a mention ends at whitespace');
  });

  it('reaches the webview as a checked context message', () => {
    assert.deepEqual(parseExtensionMessage({ type: 'context', mentions: ['a.ts:1', 7, ''] }), { type: 'context', mentions: ['a.ts:1'] });
    assert.equal(parseExtensionMessage({ type: 'context', mentions: 'a.ts' }), undefined);
    assert.equal(parseExtensionMessage({ type: 'context', mentions: Array.from({ length: 10 }, (_, i) => `f${i}`) })?.type === 'context', true);
    const many = parseExtensionMessage({ type: 'context', mentions: Array.from({ length: 10 }, (_, i) => `f${i}`) });
    assert.equal(many?.type === 'context' ? many.mentions.length : 0, MAX_CONTEXT_MENTIONS);
  });
});
