import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { functionNameGbnf } from './function-name-grammar.js';

describe('functionNameGbnf', () => {
  it('offers each name followed by its params prefix', () => {
    const gbnf = functionNameGbnf({ names: ['get', 'set_all'], paramsPrefix: () => '(', optionalPrefixSpace: false });
    assert.equal(gbnf, 'root ::= ( "get" "(" | "set_all" "(" )\n');
  });

  it('allows one leading space when the template makes it optional', () => {
    const gbnf = functionNameGbnf({ names: ['get'], paramsPrefix: () => '(', optionalPrefixSpace: true });
    assert.equal(gbnf, 'root ::= [ ]? ( "get" "(" )\n');
  });

  it('fills name-dependent params prefixes and escapes them', () => {
    const gbnf = functionNameGbnf({ names: ['run'], paramsPrefix: (name) => `", "arguments": <${name}>\n`, optionalPrefixSpace: false });
    assert.equal(gbnf, 'root ::= ( "run" "\\", \\"arguments\\": <run>\\n" )\n');
  });

  it('refuses an empty name list', () => {
    assert.throws(() => functionNameGbnf({ names: [], paramsPrefix: () => '(', optionalPrefixSpace: false }));
  });
});
