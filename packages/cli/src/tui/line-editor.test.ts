import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LineEditor } from './line-editor.js';
import { visibleWidth } from './text-width.js';

function editor(text: string, cursor = text.length): LineEditor {
  const e = new LineEditor();
  e.set(text, cursor);
  return e;
}

void describe('LineEditor: editing', () => {
  void it('inserts at the cursor and moves by graphemes', () => {
    const e = new LineEditor();
    e.insert('ab');
    e.left();
    e.insert('👍🏽');
    assert.equal(e.text, 'a👍🏽b');
    e.left();
    assert.equal(e.cursor, 1, 'one step over the emoji with its skin tone');
    e.right();
    e.backspace();
    assert.equal(e.text, 'ab');
    e.set('e\u0301x', 0);
    e.delete();
    assert.equal(e.text, 'x', 'delete removes the letter with its accent');
  });

  void it('normalises pasted line endings', () => {
    const e = new LineEditor();
    e.insert('a\r\nb\rc');
    assert.equal(e.text, 'a\nb\nc');
  });

  void it('moves and deletes by words', () => {
    const e = editor('git commit -m fix_it');
    e.wordLeft();
    assert.equal(e.cursor, 14);
    e.wordLeft();
    assert.equal(e.cursor, 12);
    e.wordRight();
    assert.equal(e.cursor, 13);
    e.end();
    e.deleteWordBack();
    assert.equal(e.text, 'git commit -m ');
    e.deleteWordBack();
    assert.equal(e.text, 'git commit ');
    e.home();
    e.deleteWordForward();
    assert.equal(e.text, ' commit ');
  });

  void it('kills to the start or end of the line and yanks the killed text back', () => {
    const e = editor('hello world', 5);
    e.killToEnd();
    assert.equal(e.text, 'hello');
    e.home();
    e.yank();
    assert.equal(e.text, ' worldhello');
    e.killToStart();
    assert.equal(e.text, 'hello');
    assert.equal(e.cursor, 0);
  });

  void it('keeps home/end and kills within the current line of multi-line text', () => {
    const e = editor('one\ntwo\nthree', 6);
    e.home();
    assert.equal(e.cursor, 4);
    e.end();
    assert.equal(e.cursor, 7);
    e.killToEnd();
    assert.equal(e.text, 'one\ntwothree', 'at a line end ctrl-k joins the next line');
    e.set('one\ntwo', 4);
    e.killToStart();
    assert.equal(e.text, 'onetwo', 'at a line start ctrl-u joins the previous line');
  });

  void it('moves between lines at the same column, reporting the edges', () => {
    const e = editor('abcdef\nxy\nlonger line', 5);
    assert.equal(e.lineUp(), false);
    assert.equal(e.lineDown(), true);
    assert.equal(e.cursor, 9, 'clamped to the end of the short line');
    assert.equal(e.lineDown(), true);
    assert.equal(e.cursor, 12);
    assert.equal(e.lineDown(), false);
    e.clear();
    assert.equal(e.text, '');
    assert.equal(e.cursor, 0);
  });
});

void describe('LineEditor: render', () => {
  void it('puts the cursor after the prompt and the text', () => {
    assert.deepEqual(editor('hi').render('> ', 20), { rows: ['> hi'], cursorRow: 0, cursorCol: 4 });
    assert.deepEqual(editor('hi', 1).render('\x1b[36m> \x1b[39m', 20), { rows: ['\x1b[36m> \x1b[39mhi'], cursorRow: 0, cursorCol: 3 });
  });

  void it('wraps to the width with continuation rows indented under the text', () => {
    const out = editor('abcdefghij').render('> ', 6);
    assert.deepEqual(out, { rows: ['> abcd', '  efgh', '  ij'], cursorRow: 2, cursorCol: 4 });
  });

  void it('moves a cursor at the end of a full row to a fresh row', () => {
    assert.deepEqual(editor('abcd').render('> ', 6), { rows: ['> abcd', '  '], cursorRow: 1, cursorCol: 2 });
  });

  void it('draws newlines as row breaks, tabs as spaces and controls as ^X', () => {
    assert.deepEqual(editor('a\nb', 2).render('> ', 10), { rows: ['> a', '  b'], cursorRow: 1, cursorCol: 2 });
    assert.deepEqual(editor('a\tb\x01').render('> ', 20), { rows: ['> a    b^A'], cursorRow: 0, cursorCol: 10 });
    assert.deepEqual(editor('a\n').render('> ', 10), { rows: ['> a', '  '], cursorRow: 1, cursorCol: 2 });
  });

  void it('never splits a wide character', () => {
    assert.deepEqual(editor('日本語').render('> ', 7), { rows: ['> 日本', '  語'], cursorRow: 1, cursorCol: 4 });
  });

  void it('shows a placeholder when empty and clips to maxRows around the cursor', () => {
    assert.deepEqual(new LineEditor().render('> ', 20, { placeholder: 'Ask' }), { rows: ['> Ask'], cursorRow: 0, cursorCol: 2 });
    const text = Array.from({ length: 10 }, (_, i) => `line${i}`).join('\n');
    const end = editor(text).render('> ', 20, { maxRows: 3 });
    assert.deepEqual(end, { rows: ['  line7', '  line8', '  line9'], cursorRow: 2, cursorCol: 7 });
    const start = editor(text, 0).render('> ', 20, { maxRows: 3 });
    assert.deepEqual(start, { rows: ['> line0', '  line1', '  line2'], cursorRow: 0, cursorCol: 2 });
  });

  void it('every row fits the width', () => {
    const e = editor('The quick brown 狐狸 jumps over the lazy 🐕 and keeps going\nsecond line\tend');
    for (let width = 2; width < 30; width++) {
      const { rows, cursorRow, cursorCol } = e.render('spark› ', width);
      for (const row of rows) assert.ok(visibleWidth(row) <= width, `${JSON.stringify(row)} at ${width}`);
      assert.ok(cursorRow < rows.length && cursorCol < width);
    }
  });
});
