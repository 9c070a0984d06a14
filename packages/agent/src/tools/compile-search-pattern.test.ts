import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileSearchPattern } from './compile-search-pattern.js';
import { ToolError } from './tool-error.js';

describe('compileSearchPattern', () => {
  it('picks smart case from uppercase letters outside escapes', () => {
    assert.equal(compileSearchPattern('foo').caseSensitive, false);
    assert.equal(compileSearchPattern('Foo').caseSensitive, true);
    assert.equal(compileSearchPattern('\\W+\\S\\D').caseSensitive, false);
    assert.equal(compileSearchPattern('\\p{Lu}x').caseSensitive, false);
    assert.equal(compileSearchPattern('Foo', false).line.test('foo'), true);
    assert.equal(compileSearchPattern('foo', true).line.test('FOO'), false);
    assert.equal(compileSearchPattern('foo', null).line.test('FOO'), true);
  });

  it('accepts ripgrep-style (?i), lenient escapes and \\p{...}', () => {
    assert.equal(compileSearchPattern('(?i)FOO').line.test('foo'), true);
    assert.equal(compileSearchPattern('a\\-b').line.test('a-b'), true);
    assert.equal(compileSearchPattern('\\p{Lu}').line.test('É'), true);
  });

  it('anchors the whole-file pattern at line ends and keeps no state between tests', () => {
    const { line, file } = compileSearchPattern('^b$');
    assert.equal(file.test('a\nb\nc'), true);
    assert.equal(line.test('b'), true);
    assert.equal(line.test('b'), true);
  });

  it('reports the engine message for an invalid pattern', () => {
    assert.throws(() => compileSearchPattern('a[b'), (e: unknown) => ToolError.is(e) && e.code === 'invalid_pattern' && /Unterminated character class/.test(e.message));
    assert.throws(() => compileSearchPattern(''), (e: unknown) => ToolError.is(e) && e.code === 'invalid_arguments');
  });
});
