import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findExcessNesting, nestsDeeperThan } from './json-nesting.js';

const nested = (levels: number): string => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;

void describe('findExcessNesting', () => {
  it('accepts nesting up to the limit and names the path past it', () => {
    assert.equal(findExcessNesting(nested(10), 10), undefined);
    assert.equal(findExcessNesting(nested(11), 10), 'a.a.a');
    assert.equal(findExcessNesting('[[[1]]]', 2), '[0][0]');
    assert.equal(findExcessNesting('[1]', 0), 'body');
  });

  it('finds 100,000 levels under a tool without recursion, naming the tool', () => {
    const deep = nested(100_000);
    const body = `{"model":"m","tools":[{"type":"function","name":"f"},{"type":"function","name":"g","parameters":${deep}}]}`;
    assert.equal(findExcessNesting(body, 192), 'tools[1].parameters');
    assert.throws(() => JSON.stringify(JSON.parse(body)), RangeError, 'the input really is deep enough to overflow a recursive walk');
  });

  it('ignores brackets, braces, commas and escaped quotes inside strings', () => {
    assert.equal(findExcessNesting(JSON.stringify({ text: '[[[[{{{{,\\"]]' }), 1), undefined);
    assert.equal(findExcessNesting(JSON.stringify({ 'k,"[': { x: [1, { y: 2 }] } }), 3), 'k,"[.x[1]');
    assert.equal(findExcessNesting(JSON.stringify({ a: 'ends in a backslash\\', b: [[1]] }), 2), 'b[0]');
    assert.equal(findExcessNesting('{"a":"never closed [[[[', 1), undefined);
  });

  it('keeps no long key in the path', () => {
    const key = 'k'.repeat(1000);
    assert.equal(findExcessNesting(`{"${key}":[[1]]}`, 2), '…[0]');
  });
});

void describe('nestsDeeperThan', () => {
  it('measures parsed values iteratively', () => {
    assert.equal(nestsDeeperThan(1, 0), false);
    assert.equal(nestsDeeperThan({}, 0), true);
    assert.equal(nestsDeeperThan({ a: [{ b: 1 }] }, 3), false);
    assert.equal(nestsDeeperThan({ a: [{ b: {} }] }, 3), true);
    let deep: unknown = 1;
    for (let level = 0; level < 100_000; level += 1) deep = { a: deep };
    assert.equal(nestsDeeperThan(deep, 128), true);
  });
});
