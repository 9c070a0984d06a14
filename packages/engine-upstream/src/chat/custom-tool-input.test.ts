import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { customToolInput } from './custom-tool-input.js';

void describe('customToolInput', () => {
  void it('unwraps custom-tool input from {"input": ...} and leaves anything else as it is', () => {
    assert.equal(customToolInput('{"input": "*** Begin Patch\\n"}'), '*** Begin Patch\n');
    assert.equal(customToolInput('  {"input":"x"}'), 'x');
    for (const text of ['*** Begin Patch', '{"input": "unterminated', '{"input": 5}', '{"other":"x"}', '']) assert.equal(customToolInput(text), text);
  });
});
