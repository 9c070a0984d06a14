import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyCallStart } from './classify-call-start.js';

const prefixes = ['||call: ', '||call:'];

describe('classifyCallStart', () => {
  it('recognizes a call prefix after optional whitespace', () => {
    assert.deepEqual(classifyCallStart('\n||call: get', prefixes), { type: 'call', prefix: '||call: ', after: 'get' });
    assert.deepEqual(classifyCallStart('||call:', prefixes), { type: 'call', prefix: '||call:', after: '' });
  });

  it('waits while the text may still become a call', () => {
    assert.deepEqual(classifyCallStart('', prefixes), { type: 'pending' });
    assert.deepEqual(classifyCallStart('\n ', prefixes), { type: 'pending' });
    assert.deepEqual(classifyCallStart('\n||ca', prefixes), { type: 'pending' });
  });

  it('rejects anything else, including a hallucinated result', () => {
    assert.deepEqual(classifyCallStart('\n||result: ', prefixes), { type: 'not-a-call' });
    assert.deepEqual(classifyCallStart('Done.', prefixes), { type: 'not-a-call' });
  });
});
