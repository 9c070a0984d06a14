import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ansiStyle as s, plainStyle } from './ansi.js';
import { highlightCode, languageFromPath, type HighlightState } from './highlight-code.js';
import { stripAnsi } from './text-width.js';

const KEYWORD = (t: string): string => s.magenta(t);
const STRING = (t: string): string => s.green(t);
const COMMENT = (t: string): string => s.gray(t);
const NUMBER = (t: string): string => s.yellow(t);
const TYPE = (t: string): string => s.cyan(t);

function hl(line: string, language: string, state: HighlightState = null): string {
  return highlightCode(line, language, state, s).text;
}

/** Highlights `lines` in order, carrying the state; returns the texts. */
function hlLines(lines: readonly string[], language: string): string[] {
  let state: HighlightState = null;
  return lines.map((line) => {
    const result = highlightCode(line, language, state, s);
    state = result.state;
    return result.text;
  });
}

void describe('highlightCode', () => {
  void it('colours TypeScript keywords, strings, numbers and comments', () => {
    const out = hl('const x = "a" + 42; // note', 'ts');
    assert.equal(out, `${KEYWORD('const')} x = ${STRING('"a"')} + ${NUMBER('42')}; ${COMMENT('// note')}`);
    assert.equal(hl("import { a } from './a.js';", 'typescript'), `${KEYWORD('import')} { a } ${KEYWORD('from')} ${STRING("'./a.js'")};`);
  });

  void it('carries block comments and template literals across lines', () => {
    const [a, b, c] = hlLines(['let a = 1; /* start', 'still comment', 'end */ return `x'], 'js');
    assert.equal(a, `${KEYWORD('let')} a = ${NUMBER('1')}; ${COMMENT('/* start')}`);
    assert.equal(b, COMMENT('still comment'));
    assert.equal(c, `${COMMENT('end */')} ${KEYWORD('return')} ${STRING('`x')}`);
    const result = highlightCode('end */ return `x', 'js', { close: '*/', kind: 'comment', escapes: false }, s);
    assert.deepEqual(result.state, { close: '`', kind: 'string', escapes: true });
  });

  void it('handles Python triple-quoted strings, comments and decorators', () => {
    const [a, b, c] = hlLines(['@cache', 'def f(): """doc', 'more""" # done'], 'python');
    assert.equal(a, TYPE('@cache'));
    assert.equal(b, `${KEYWORD('def')} f(): ${STRING('"""doc')}`);
    assert.equal(c, `${STRING('more"""')} ${COMMENT('# done')}`);
  });

  void it('does not take Rust lifetimes for strings', () => {
    const out = hl("fn f<'a>(x: &'a str) -> char { 'z' }", 'rust');
    assert.ok(!out.includes(STRING("'a>(x: &'")), out);
    assert.ok(out.includes(STRING("'z'")));
    assert.ok(out.includes(TYPE('str')));
  });

  void it('keeps Go raw strings open across lines without escapes', () => {
    const [a, b] = hlLines(['s := `raw \\', 'still` + "x"'], 'go');
    assert.equal(a, `s := ${STRING('`raw \\')}`);
    assert.equal(b, `${STRING('still`')} + ${STRING('"x"')}`);
  });

  void it('knows shell comments from $# and colours variables', () => {
    assert.equal(hl('echo $# # count', 'bash'), `${TYPE('echo')} ${TYPE('$#')} ${COMMENT('# count')}`);
    assert.equal(hl('if [ "$X" ]; then', 'sh'), `${KEYWORD('if')} [ ${STRING('"$X"')} ]; ${KEYWORD('then')}`);
  });

  void it('tells JSON keys from string values', () => {
    assert.equal(hl('{"a": "b", "n": -1.5, "t": true}', 'json'), `{${TYPE('"a"')}: ${STRING('"b"')}, ${TYPE('"n"')}: ${NUMBER('-1.5')}, ${TYPE('"t"')}: ${NUMBER('true')}}`);
  });

  void it('colours YAML keys, TOML tables and CSS properties', () => {
    assert.equal(hl('  - name: web # svc', 'yaml'), `  - ${TYPE('name')}: web ${COMMENT('# svc')}`);
    assert.equal(hl('[tool.poetry]', 'toml'), KEYWORD('[tool.poetry]'));
    assert.equal(hl('key = "v"', 'toml'), `${TYPE('key')} = ${STRING('"v"')}`);
    assert.equal(hl('a:hover { color: #fff; }', 'css'), `a:hover { ${TYPE('color')}: ${NUMBER('#fff')}; }`);
  });

  void it('colours HTML tags, attributes and comments', () => {
    assert.equal(hl('<a href="x">t</a>', 'html'), `${KEYWORD('<a')} ${TYPE('href')}=${STRING('"x"')}${KEYWORD('>')}t${KEYWORD('</a')}${KEYWORD('>')}`);
    const [a, b] = hlLines(['<!-- open', 'close --> <br/>'], 'html');
    assert.equal(a, COMMENT('<!-- open'));
    assert.equal(b, `${COMMENT('close -->')} ${KEYWORD('<br')}${KEYWORD('/>')}`);
  });

  void it('colours diff lines by their first character', () => {
    assert.equal(hl('+added', 'diff'), s.green('+added'));
    assert.equal(hl('-gone', 'patch'), s.red('-gone'));
    assert.equal(hl('@@ -1 +1 @@', 'diff'), s.cyan('@@ -1 +1 @@'));
  });

  void it('returns unknown languages and plain style unchanged', () => {
    assert.equal(hl('const x = 1', 'brainfuck'), 'const x = 1');
    assert.equal(hl('const x = 1', ''), 'const x = 1');
    assert.equal(highlightCode('const x = "1"', 'ts', null, plainStyle).text, 'const x = "1"');
  });

  void it('never changes the visible text, whatever the input', () => {
    const languages = ['ts', 'py', 'rust', 'go', 'java', 'c', 'cpp', 'sh', 'json', 'yaml', 'toml', 'html', 'css', 'sql', 'diff', 'x'];
    const alphabet = ['a', 'if ', '"', "'", '`', '/*', '*/', '//', '#', '"""', '1.5', '0x1f', '\\', ' ', '<!--', '-->', '<a', '=', ':', '$x', '日本', '{', '}'];
    let seed = 3;
    const rand = (n: number): number => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
    for (const language of languages) {
      let state: HighlightState = null;
      for (let i = 0; i < 300; i++) {
        let line = '';
        for (let k = rand(15); k > 0; k--) line += alphabet[rand(alphabet.length)] ?? '';
        const result = highlightCode(line, language, state, s);
        assert.equal(stripAnsi(result.text), line, `${language}: ${JSON.stringify(line)}`);
        state = result.state;
      }
    }
  });
});

void describe('languageFromPath', () => {
  void it('maps extensions and well-known names', () => {
    assert.equal(languageFromPath('src/a.ts'), 'ts');
    assert.equal(languageFromPath('x/y.PY'), 'py');
    assert.equal(languageFromPath('Makefile'), 'sh');
    assert.equal(languageFromPath('README'), '');
    assert.equal(languageFromPath('notes.txt'), '');
  });
});
