import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KeyParser, type KeyEvent } from './key-parser.js';

function parse(...chunks: (string | Buffer)[]): KeyEvent[] {
  const parser = new KeyParser();
  return chunks.flatMap((chunk) => parser.feed(chunk));
}

void describe('KeyParser: Escape', () => {
  void it('reports a lone ESC at once, in the same feed', () => {
    const parser = new KeyParser();
    assert.deepEqual(parser.feed('\x1b'), [{ type: 'key', name: 'escape' }]);
    assert.deepEqual(parser.feed(Buffer.from([0x1b])), [{ type: 'key', name: 'escape' }]);
    assert.deepEqual(parser.feed('abc\x1b'), [{ type: 'char', text: 'abc' }, { type: 'key', name: 'escape' }]);
  });

  void it('reads ESC ESC as two presses, and ESC ESC [A as Alt+Up', () => {
    assert.deepEqual(parse('\x1b\x1b'), [{ type: 'key', name: 'escape' }, { type: 'key', name: 'escape' }]);
    assert.deepEqual(parse('\x1b\x1b[A'), [{ type: 'key', name: 'up', meta: true }]);
  });
});

void describe('KeyParser: keys', () => {
  void it('decodes arrows, home/end, delete, paging in xterm, SS3 and tmux/rxvt forms', () => {
    const cases: [string, string][] = [
      ['\x1b[A', 'up'], ['\x1b[B', 'down'], ['\x1b[C', 'right'], ['\x1b[D', 'left'],
      ['\x1bOA', 'up'], ['\x1bOD', 'left'], ['\x1b[H', 'home'], ['\x1b[F', 'end'], ['\x1bOH', 'home'], ['\x1bOF', 'end'],
      ['\x1b[1~', 'home'], ['\x1b[4~', 'end'], ['\x1b[7~', 'home'], ['\x1b[8~', 'end'],
      ['\x1b[3~', 'delete'], ['\x1b[2~', 'insert'], ['\x1b[5~', 'pageup'], ['\x1b[6~', 'pagedown'], ['\x1b[Z', 'shift-tab'],
    ];
    for (const [input, name] of cases) assert.deepEqual(parse(input), [{ type: 'key', name }], JSON.stringify(input));
  });

  void it('decodes modifier parameters', () => {
    assert.deepEqual(parse('\x1b[1;5C'), [{ type: 'key', name: 'right', ctrl: true }]);
    assert.deepEqual(parse('\x1b[1;3D'), [{ type: 'key', name: 'left', meta: true }]);
    assert.deepEqual(parse('\x1b[1;2A'), [{ type: 'key', name: 'up', shift: true }]);
    assert.deepEqual(parse('\x1b[3;5~'), [{ type: 'key', name: 'delete', ctrl: true }]);
  });

  void it('decodes enter, tab, backspace and ctrl letters', () => {
    assert.deepEqual(parse('\r'), [{ type: 'key', name: 'enter' }]);
    assert.deepEqual(parse('\n'), [{ type: 'key', name: 'enter' }]);
    assert.deepEqual(parse('\r\n'), [{ type: 'key', name: 'enter' }], 'CRLF is one enter');
    assert.deepEqual(parse('\t'), [{ type: 'key', name: 'tab' }]);
    assert.deepEqual(parse('\x7f'), [{ type: 'key', name: 'backspace' }]);
    assert.deepEqual(parse('\x08'), [{ type: 'key', name: 'backspace' }]);
    assert.deepEqual(parse('\x03'), [{ type: 'ctrl', key: 'c' }]);
    assert.deepEqual(parse('\x01\x17'), [{ type: 'ctrl', key: 'a' }, { type: 'ctrl', key: 'w' }]);
  });

  void it('reads ESC + key as Alt', () => {
    assert.deepEqual(parse('\x1bb'), [{ type: 'char', text: 'b', meta: true }]);
    assert.deepEqual(parse('\x1b\x7f'), [{ type: 'key', name: 'backspace', meta: true }]);
    assert.deepEqual(parse('\x1b\r'), [{ type: 'key', name: 'enter', meta: true }]);
    assert.deepEqual(parse('\x1b\x03'), [{ type: 'ctrl', key: 'c', meta: true }]);
  });

  void it('decodes CSI u and modifyOtherKeys (shift-enter, ctrl-c)', () => {
    assert.deepEqual(parse('\x1b[13;2u'), [{ type: 'key', name: 'enter', shift: true }]);
    assert.deepEqual(parse('\x1b[27;2;13~'), [{ type: 'key', name: 'enter', shift: true }]);
    assert.deepEqual(parse('\x1b[99;5u'), [{ type: 'ctrl', key: 'c' }]);
    assert.deepEqual(parse('\x1b[27u'), [{ type: 'key', name: 'escape' }]);
  });

  void it('drops sequences it has no use for (mouse, focus, F-keys)', () => {
    assert.deepEqual(parse('\x1b[<0;10;5M\x1b[I\x1b[O\x1b[15~\x1bOPx'), [{ type: 'char', text: 'x' }]);
  });
});

void describe('KeyParser: text', () => {
  void it('groups printable text typed in one chunk, split by keys', () => {
    assert.deepEqual(parse('hello'), [{ type: 'char', text: 'hello' }]);
    assert.deepEqual(parse('ab\x1b[Dc'), [{ type: 'char', text: 'ab' }, { type: 'key', name: 'left' }, { type: 'char', text: 'c' }]);
  });

  void it('reassembles UTF-8 split across chunks at every byte', () => {
    const bytes = Buffer.from('é日👍x');
    for (let cut = 1; cut < bytes.length; cut++) {
      const events = parse(bytes.subarray(0, cut), bytes.subarray(cut));
      assert.equal(events.map((e) => (e.type === 'char' ? e.text : '?')).join(''), 'é日👍x', `cut at ${cut}`);
    }
  });

  void it('waits for the rest of a CSI sequence split across chunks', () => {
    const parser = new KeyParser();
    assert.deepEqual(parser.feed('\x1b['), []);
    assert.deepEqual(parser.feed('A'), [{ type: 'key', name: 'up' }]);
    assert.deepEqual(parser.feed('\x1b[1;'), []);
    assert.deepEqual(parser.feed('5C'), [{ type: 'key', name: 'right', ctrl: true }]);
    assert.deepEqual(parser.feed('\x1bO'), []);
    assert.deepEqual(parser.feed('B'), [{ type: 'key', name: 'down' }]);
  });

  void it('flush gives up on an incomplete sequence', () => {
    const parser = new KeyParser();
    assert.deepEqual(parser.feed('\x1b['), []);
    assert.deepEqual(parser.flush(), [{ type: 'char', text: '[', meta: true }]);
    assert.deepEqual(parser.flush(), []);
  });
});

void describe('KeyParser: bracketed paste', () => {
  void it('reports a paste as one event with newlines normalised, text around it intact', () => {
    assert.deepEqual(parse('a\x1b[200~line 1\r\nline 2\rx\x1b[201~b'), [
      { type: 'char', text: 'a' }, { type: 'paste', text: 'line 1\nline 2\nx' }, { type: 'char', text: 'b' },
    ]);
  });

  void it('keeps escape sequences and Enter inside a paste as text', () => {
    assert.deepEqual(parse('\x1b[200~\x1b[A\x1b\r\x03\x1b[201~'), [{ type: 'paste', text: '\x1b[A\x1b\n\x03' }]);
  });

  void it('spans chunks, including an end marker split across them', () => {
    const parser = new KeyParser();
    assert.deepEqual(parser.feed('\x1b[200~first '), []);
    assert.equal(parser.inPaste, true);
    assert.deepEqual(parser.feed('second\x1b[20'), []);
    assert.deepEqual(parser.feed('1~'), [{ type: 'paste', text: 'first second' }]);
    assert.equal(parser.inPaste, false);
    assert.deepEqual(parser.feed('\x1b[2'), []);
    assert.deepEqual(parser.feed('00~x\x1b'), []);
    assert.deepEqual(parser.feed('[201~'), [{ type: 'paste', text: 'x' }]);
  });

  void it('handles a paste split at every byte', () => {
    const input = Buffer.from('\x1b[200~héllo\nwörld\x1b[201~!');
    for (let cut = 1; cut < input.length; cut++) {
      // A chunk ending in a bare ESC is the Escape key, reported at once; the rest still parses.
      const expected: KeyEvent[] = [{ type: 'paste', text: 'héllo\nwörld' }, { type: 'char', text: '!' }];
      if (cut === 1) expected.unshift({ type: 'key', name: 'escape' });
      assert.deepEqual(parse(input.subarray(0, cut), input.subarray(cut)), expected, `cut at ${cut}`);
    }
  });

  void it('reads a key sequence split right after its ESC as the key, after the Escape it already reported', () => {
    assert.deepEqual(parse('\x1b', '[A'), [{ type: 'key', name: 'escape' }, { type: 'key', name: 'up' }]);
    assert.deepEqual(parse('\x1b', 'x[A'), [{ type: 'key', name: 'escape' }, { type: 'char', text: 'x[A' }]);
  });
});
