import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ansiStyle as s } from './ansi.js';
import { SgrState } from './sgr-state.js';
import { padEndAnsi, stripAnsi, truncateAnsi, visibleWidth, wrapAnsi } from './text-width.js';

const ESC = '\x1b';
const BEL = '\x07';
const SGR_AT_START = new RegExp(`^${ESC}\\[([0-9;:]*)m`);
const OSC_AT_START = new RegExp(`^${ESC}\\][^${BEL}${ESC}]*(?:${BEL}|${ESC}\\\\)`);
const SGR_ALL = new RegExp(`${ESC}\\[([0-9;:]*)m`, 'g');

/** Each visible character with the SGR attributes in force when it is drawn. */
function styledChars(text: string): [string, string][] {
  const out: [string, string][] = [];
  const sgr = new SgrState();
  for (let i = 0; i < text.length;) {
    if (text[i] === '\x1b') {
      const m = SGR_AT_START.exec(text.slice(i));
      if (m !== null) { sgr.apply(m[1] ?? ''); i += m[0].length; continue; }
      const osc = OSC_AT_START.exec(text.slice(i));
      assert.ok(osc !== null, `unexpected escape in ${JSON.stringify(text)}`);
      i += osc[0].length;
      continue;
    }
    const ch = String.fromCodePoint(text.codePointAt(i) ?? 0);
    out.push([ch, sgr.sequence()]);
    i += ch.length;
  }
  return out;
}

function endsClean(row: string): boolean {
  const sgr = new SgrState();
  for (const m of row.matchAll(SGR_ALL)) sgr.apply(m[1] ?? '');
  return !sgr.active;
}

void describe('stripAnsi / visibleWidth', () => {
  void it('ignores SGR, cursor and OSC 8 hyperlink sequences', () => {
    assert.equal(stripAnsi(s.bold(s.red('ab'))), 'ab');
    assert.equal(stripAnsi('a\x1b[2Kb\x1b[3Fc'), 'abc');
    assert.equal(stripAnsi('\x1b]8;;https://x.dev\x1b\\link\x1b]8;;\x1b\\'), 'link');
    assert.equal(visibleWidth(s.bold('abc')), 3);
  });

  void it('counts CJK and emoji as two columns, combining marks and joiners as none', () => {
    assert.equal(visibleWidth('日本'), 4);
    assert.equal(visibleWidth('👍'), 2);
    assert.equal(visibleWidth('e\u0301'), 1);
    assert.equal(visibleWidth('🇯🇵'), 2, 'a flag is one two-column picture');
    assert.equal(visibleWidth('👨\u200d👩\u200d👧'), 2, 'a ZWJ family is one picture');
    assert.equal(visibleWidth('한국어'), 6);
  });

  void it('expands tabs to 4-column stops and skips control characters', () => {
    assert.equal(visibleWidth('a\tb'), 5);
    assert.equal(visibleWidth('\t'), 4);
    assert.equal(visibleWidth('a\x07b\r'), 2);
  });
});

void describe('wrapAnsi', () => {
  void it('hard-wraps plain text into rows of the width', () => {
    assert.deepEqual(wrapAnsi('abcdefghij', 4), ['abcd', 'efgh', 'ij']);
    assert.deepEqual(wrapAnsi('abcd', 4), ['abcd']);
    assert.deepEqual(wrapAnsi('', 4), ['']);
  });

  void it('closes styles at each cut and re-opens them on the next row', () => {
    const rows = wrapAnsi(s.red('abcdef'), 3);
    assert.deepEqual(rows, ['\x1b[31mabc\x1b[0m', '\x1b[31mdef\x1b[39m']);
    const mixed = wrapAnsi(`${s.bold('ab')}cdef`, 3);
    assert.deepEqual(mixed, ['\x1b[1mab\x1b[22mc', 'def'], 'no reset where nothing is open');
  });

  void it('keeps every character in its style and every row self-contained (random styled text)', () => {
    const pieces = ['ab', 'cde ', '日本', '👍', ' ', 'xyz', 'é', 'long-word-here '];
    const styles = [s.bold, s.red, s.underline, s.dim, s.inverse, (t: string) => s.bold(s.cyan(t)), (t: string) => `\x1b[38;5;208m${t}\x1b[39m`, (t: string) => t];
    let seed = 7;
    const rand = (n: number): number => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
    for (let trial = 0; trial < 300; trial++) {
      let text = '';
      for (let k = rand(12); k >= 0; k--) {
        const style = styles[rand(styles.length)] ?? ((t: string) => t);
        text += style(pieces[rand(pieces.length)] ?? '');
      }
      for (const width of [1, 2, 3, 5, 8, 13]) {
        for (const wordWrap of [false, true]) {
          const rows = wrapAnsi(text, width, { wordWrap });
          for (const row of rows) {
            assert.ok(visibleWidth(row) <= Math.max(width, 2), `row too wide: ${JSON.stringify(row)} at ${width}`);
            assert.ok(endsClean(row), `row leaves a style open: ${JSON.stringify(row)}`);
          }
          const original = styledChars(text);
          const wrapped = rows.flatMap((row) => styledChars(row));
          if (!wordWrap) assert.deepEqual(wrapped, original, `hard wrap of ${JSON.stringify(text)} at ${width}`);
          else {
            // Word wrap may drop the one space a row broke at, nothing else.
            const kept = wrapped.map(([ch]) => ch).join('');
            assert.ok(original.length - wrapped.length <= rows.length - 1);
            assert.equal(kept.replaceAll(' ', ''), original.map(([ch]) => ch).join('').replaceAll(' ', ''));
          }
        }
      }
    }
  });

  void it('never splits a wide character across rows', () => {
    assert.deepEqual(wrapAnsi('日本語', 5), ['日本', '語']);
    assert.deepEqual(wrapAnsi('a日', 2), ['a', '日']);
    assert.deepEqual(wrapAnsi('日', 1), ['日'], 'a character wider than the row gets a row to itself');
  });

  void it('word-wraps at spaces, dropping the space a row breaks on', () => {
    assert.deepEqual(wrapAnsi('hello world foo', 8, { wordWrap: true }), ['hello ', 'world ', 'foo']);
    assert.deepEqual(wrapAnsi('abcd efgh', 4, { wordWrap: true }), ['abcd', 'efgh']);
    assert.deepEqual(wrapAnsi('abcdefghij', 4, { wordWrap: true }), ['abcd', 'efgh', 'ij'], 'a long word is still cut');
    const styled = wrapAnsi(s.bold('hello world foo'), 8, { wordWrap: true });
    assert.deepEqual(styled.map(stripAnsi), ['hello ', 'world ', 'foo']);
    assert.deepEqual(styled, ['\x1b[1mhello \x1b[0m', '\x1b[1mworld \x1b[0m', '\x1b[1mfoo\x1b[22m']);
  });

  void it('expands tabs, drops cursor sequences and control characters', () => {
    assert.deepEqual(wrapAnsi('a\tb', 10), ['a   b']);
    assert.deepEqual(wrapAnsi('x\x1b[2K\x1b[1Gy\rz\x07', 10), ['xyz']);
  });

  void it('closes and re-opens OSC 8 hyperlinks at a cut', () => {
    const open = '\x1b]8;;https://x.dev\x1b\\';
    const close = '\x1b]8;;\x1b\\';
    assert.deepEqual(wrapAnsi(`${open}abcdef${close}`, 3), [`${open}abc${close}`, `${open}def${close}`]);
  });
});

void describe('truncateAnsi', () => {
  void it('cuts to the width with an ellipsis, resetting open styles first', () => {
    assert.equal(truncateAnsi('abcdef', 4), 'abc…');
    assert.equal(truncateAnsi('abcd', 4), 'abcd');
    assert.equal(truncateAnsi(s.red('abcdef'), 4), '\x1b[31mabc\x1b[0m…');
    assert.equal(truncateAnsi('日本語', 4), '日…');
    assert.equal(truncateAnsi('abc', 0), '');
  });
});

void describe('padEndAnsi', () => {
  void it('pads to visible columns', () => {
    assert.equal(padEndAnsi(s.bold('ab'), 4), `${s.bold('ab')}  `);
    assert.equal(padEndAnsi('日本', 3), '日本');
  });
});
