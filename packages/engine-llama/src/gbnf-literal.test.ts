import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gbnfLiteral } from './gbnf-literal.js';

describe('gbnfLiteral', () => {
  it('quotes plain text unchanged', () => {
    assert.equal(gbnfLiteral('get_weather'), '"get_weather"');
  });

  it('escapes quotes, backslashes and line breaks', () => {
    assert.equal(gbnfLiteral('a"b\\c\nd\re\tf'), '"a\\"b\\\\c\\nd\\re\\tf"');
  });

  it('hex-escapes other control characters', () => {
    assert.equal(gbnfLiteral('\u0000\u001f\u007f'), '"\\x00\\x1f\\x7f"');
  });

  it('keeps non-ASCII characters as they are (GBNF literals are UTF-8)', () => {
    assert.equal(gbnfLiteral('日本 🎉 é'), '"日本 🎉 é"');
  });

  it('keeps grammar metacharacters literal inside the quotes', () => {
    assert.equal(gbnfLiteral('( | ) [ ] * +'), '"( | ) [ ] * +"');
  });
});
