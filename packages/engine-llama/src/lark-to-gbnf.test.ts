import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EngineError } from '@spark/engine';
import { customToolGbnf, larkToGbnf } from './lark-to-gbnf.js';
import { regexToGbnf } from './regex-to-gbnf.js';
import { APPLY_PATCH_LARK_GRAMMAR as APPLY_PATCH_LARK } from '@spark/protocol';

const PARAM = 'tools[0].format.definition';

function refusal(run: () => unknown, pattern: RegExp): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(EngineError.is(error), 'an EngineError');
    assert.equal(error.code, 'invalid_request');
    assert.equal(error.param, PARAM);
    assert.match(error.message, pattern);
    return true;
  });
}

describe('larkToGbnf', () => {
  it("converts Codex's apply_patch grammar rule for rule, start as root and LF imported", () => {
    assert.equal(larkToGbnf(APPLY_PATCH_LARK, PARAM), [
      'root ::= begin-patch hunk+ end-patch',
      'begin-patch ::= "*** Begin Patch" LF',
      'end-patch ::= "*** End Patch" LF?',
      'hunk ::= (add-hunk | delete-hunk | update-hunk)',
      'add-hunk ::= "*** Add File: " filename LF add-line+',
      'delete-hunk ::= "*** Delete File: " filename LF',
      'update-hunk ::= "*** Update File: " filename LF change-move? change?',
      'filename ::= [^\\n]+',
      'add-line ::= "+" [^\\n]* LF',
      'change-move ::= "*** Move to: " filename LF',
      'change ::= (change-context | change-line)+ eof-line?',
      'change-context ::= ("@@" | "@@ " [^\\n]+) LF',
      'change-line ::= ("+" | "-" | " ") [^\\n]* LF',
      'eof-line ::= "*** End of File" LF',
      'LF ::= "\\n"',
      '',
    ].join('\n'));
  });

  it('reads continuation lines, optional brackets, repetition counts, ranges, comments and aliased imports', () => {
    const gbnf = larkToGbnf([
      '// a comment',
      '?start: item',
      '    | "x" [SEP] ~ 2..3 // trailing comment',
      '!item: "a".."f" NUM ~ 2 -> thing',
      'SEP: ","',
      '%import common.INT -> NUM',
      '%import common (WS, LETTER)',
      '',
    ].join('\n'), PARAM);
    assert.equal(gbnf, [
      'root ::= (item | "x" (SEP?){2,3})',
      'item ::= [a-f] NUM{2}',
      'SEP ::= ","',
      'NUM ::= [0-9]+',
      'WS ::= [ \\t\\x0c\\r\\n]+',
      'LETTER ::= [a-zA-Z]',
      '',
    ].join('\n'));
  });

  it('escapes literals and keeps rule names apart when `_` becomes `-`', () => {
    const gbnf = larkToGbnf('start: root _root "say \\"hi\\"\\n"\nroot: "r"\n_root: "\\u00e9"\n', PARAM);
    assert.equal(gbnf, 'root ::= root-2 root-3 "say \\"hi\\"\\n"\nroot-2 ::= "r"\nroot-3 ::= "é"\n');
  });

  it('refuses what it cannot convert, naming the construct', () => {
    refusal(() => larkToGbnf('start: "a"\n%ignore WS\n', PARAM), /directive '%ignore'/);
    refusal(() => larkToGbnf('start: "a"i\n', PARAM), /case-insensitive/);
    refusal(() => larkToGbnf('start.2: "a"\n', PARAM), /priority on 'start'/);
    refusal(() => larkToGbnf('start: /a/m\n', PARAM), /flags 'm'/);
    refusal(() => larkToGbnf('start: item\n', PARAM), /'item', which is never defined/);
    refusal(() => larkToGbnf('item: "a"\n', PARAM), /no 'start' rule/);
    refusal(() => larkToGbnf('start: "a"\n%import common.ESCAPED_STRING\n', PARAM), /common\.ESCAPED_STRING/);
    refusal(() => larkToGbnf('start: "a"\n%import other.X\n', PARAM), /import of 'other\.X'/);
    refusal(() => larkToGbnf('start: _sep{"a"}\n_sep{x}: x\n', PARAM), /template/);
    refusal(() => larkToGbnf('start: /(?=a)b/\n', PARAM), /lookarounds/);
    refusal(() => larkToGbnf('start: ("a"\n', PARAM), /unclosed '\('/);
    refusal(() => larkToGbnf('start: "a"\nstart: "b"\n', PARAM), /second definition/);
    refusal(() => larkToGbnf('start: "a\n', PARAM), /unterminated string/);
  });
});

describe('regexToGbnf', () => {
  const convert = (pattern: string, options: { dotAll?: boolean; edgeAnchors?: boolean } = {}): string => regexToGbnf(pattern, { param: PARAM, ...options }).text;

  it('converts the subset: dot, classes, shorthands, groups, alternation and quantifiers', () => {
    assert.equal(convert('.'), '[^\\n]');
    assert.equal(convert('.', { dotAll: true }), '.');
    assert.equal(convert('ab+c'), '"a" "b"+ "c"');
    assert.equal(convert('abc'), '"abc"');
    assert.equal(convert('(?:ab|c)*d'), '("ab" | "c")* "d"');
    assert.equal(convert('(?P<n>x)'), '"x"');
    assert.equal(convert('[^a-z\\d_\\]-]{2,5}?'), '[^a-z0-9_\\x5d\\x2d]{2,5}');
    assert.equal(convert('\\w+\\s\\D'), '[0-9A-Z_a-z]+ [\\t-\\r ] [^0-9]');
    assert.equal(convert('x{3}y{2,}\\.\\{'), '"x"{3} "y"{2,} ".{"');
    assert.equal(convert('\\x41\\u00e9\\n'), '"Aé\\n"');
    assert.equal(convert('(ab)+'), '"ab"+');
    assert.equal(convert('(a[bc])?'), '("a" [bc])?');
  });

  it('refuses anchors, lookarounds, backreferences and stray quantifiers', () => {
    const refuses = (pattern: string, pattern2: RegExp): void => refusal(() => regexToGbnf(pattern, { param: PARAM }), pattern2);
    refuses('^a', /anchor '\^'/);
    refuses('a\\b', /anchor '\\b'/);
    refuses('(a)\\1', /backreference/);
    refuses('(?!a)', /lookarounds/);
    refuses('*a', /nothing to repeat/);
    refuses('a++', /possessive/);
    refuses('[a', /unclosed '\['/);
    refuses('(a', /unclosed '\('/);
    refuses('a)', /unmatched '\)'/);
    refuses('[\\W]', /'\\W' inside a character class/);
    refuses('[z-a]', /range/);
    refuses('\\q', /escape '\\q'/);
    refuses(`${'('.repeat(100)}a${')'.repeat(100)}`, /nested deeper/);
  });

  it('accepts edge anchors for a whole-input regex format', () => {
    assert.equal(customToolGbnf({ syntax: 'regex', definition: '^\\d+(\\.\\d+)?$' }, PARAM), 'root ::= [0-9]+ ("." [0-9]+)?\n');
    refusal(() => customToolGbnf({ syntax: 'regex', definition: 'a^b' }, PARAM), /anchor/);
  });
});
