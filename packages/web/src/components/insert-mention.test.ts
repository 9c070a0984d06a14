import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { insertMention } from './insert-mention.js';

describe('insert mention', () => {
  it('adds the mention with spaces around it, once', () => {
    assert.equal(insertMention('', 'src/a.ts:10-20'), '@src/a.ts:10-20 ');
    assert.equal(insertMention('fix', 'src/a.ts'), 'fix @src/a.ts ');
    assert.equal(insertMention('fix\n', 'src/a.ts'), 'fix\n@src/a.ts ');
    assert.equal(insertMention('look at @src/a.ts please', 'src/a.ts'), 'look at @src/a.ts please');
  });
});
