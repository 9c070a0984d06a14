import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TriggerMatcher } from './trigger-matcher.js';

const triggers = [
  { text: '<|im_end|>', kind: 'stop' as const },
  { text: '||call: ', kind: 'call' as const },
  { text: '||call:', kind: 'call' as const },
];

describe('TriggerMatcher', () => {
  it('streams text that cannot start a trigger at once', () => {
    const matcher = new TriggerMatcher(triggers);
    assert.deepEqual(matcher.push('Hello world'), { emit: 'Hello world' });
    assert.equal(matcher.held, '');
  });

  it('holds back a possible trigger start and releases it when it turns out not to be one', () => {
    const matcher = new TriggerMatcher(triggers);
    assert.deepEqual(matcher.push('a |'), { emit: 'a ' });
    assert.deepEqual(matcher.push('|c'), { emit: '' });
    assert.equal(matcher.held, '||c');
    assert.deepEqual(matcher.push('x'), { emit: '||cx' });
  });

  it('matches a trigger split across pushes and returns the text after it', () => {
    const matcher = new TriggerMatcher(triggers);
    assert.deepEqual(matcher.push('Sure<|im'), { emit: 'Sure' });
    const result = matcher.push('_end|>tail');
    assert.equal(result.emit, '');
    assert.equal(result.match?.trigger.kind, 'stop');
    assert.equal(result.match?.after, 'tail');
  });

  it('prefers the earliest match, and the longest at the same position', () => {
    const matcher = new TriggerMatcher(triggers);
    const result = matcher.push('x||call: get');
    assert.equal(result.emit, 'x');
    assert.equal(result.match?.trigger.text, '||call: ');
    assert.equal(result.match?.after, 'get');
    const early = new TriggerMatcher(triggers).push('a<|im_end|>||call:');
    assert.equal(early.match?.trigger.kind, 'stop');
  });

  it('matches the alternate prefix as soon as it is complete', () => {
    const matcher = new TriggerMatcher(triggers);
    matcher.push('||call');
    const result = matcher.push(':');
    assert.equal(result.match?.trigger.text, '||call:');
    assert.equal(result.match?.after, '');
  });

  it('flushes held text at the end of the stream', () => {
    const matcher = new TriggerMatcher(triggers);
    matcher.push('done <|im_');
    assert.equal(matcher.flush(), '<|im_');
    assert.equal(matcher.held, '');
  });

  it('ignores empty triggers', () => {
    assert.deepEqual(new TriggerMatcher([{ text: '', kind: 'stop' }]).push('abc'), { emit: 'abc' });
  });
});
