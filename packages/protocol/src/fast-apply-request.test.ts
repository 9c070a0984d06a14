import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fastApplyRequest } from './fast-apply-request.js';
import { parseCreateResponse } from './parse-create-response.js';

void describe('fastApplyRequest', () => {
  void it('builds a valid greedy request whose prediction is the original file', () => {
    const body = fastApplyRequest({ model: 'm', file: 'a\nb\n', edit: 'b2', path: 'x"y.ts' });
    assert.deepEqual(parseCreateResponse(body), body);
    assert.deepEqual(body.prediction, { type: 'content', content: 'a\nb\n' });
    assert.equal(body.temperature, 0);
    assert.equal(body.input, '<file path="xy.ts">\na\nb\n\n</file>\n<edit>\nb2\n</edit>');
  });
});
