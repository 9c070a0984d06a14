import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { VirtualTerminal } from './virtual-terminal.js';

void describe('VirtualTerminal', () => {
  void it('defers the wrap at the last column until the next printable character', () => {
    const vt = new VirtualTerminal(4, 3);
    vt.write('abcd');
    assert.deepEqual([vt.cursorRow, vt.cursorCol], [0, 3]);
    vt.write('\r\n');
    assert.deepEqual(vt.screenText(), ['abcd', '', ''], 'CRLF after a full row adds no blank row');
    vt.write('efghi');
    assert.deepEqual(vt.screenText(), ['abcd', 'efgh', 'i']);
  });

  void it('scrolls rows off the top into scrollback', () => {
    const vt = new VirtualTerminal(5, 2);
    vt.write('1\r\n2\r\n3\r\n4');
    assert.deepEqual(vt.scrollback.length, 2);
    assert.deepEqual(vt.allText(), ['1', '2', '3', '4']);
    assert.deepEqual(vt.screenText(), ['3', '4']);
  });

  void it('moves with CPL/CUU/CHA and erases with ED/EL', () => {
    const vt = new VirtualTerminal(6, 4);
    vt.write('aaa\r\nbbb\r\nccc');
    vt.write('\x1b[1F\x1b[J');
    assert.deepEqual(vt.screenText(), ['aaa', '', '', '']);
    vt.write('xy\x1b[1G\x1b[K');
    assert.deepEqual(vt.screenText(), ['aaa', '', '', '']);
    vt.write('123456\x1b[1A\x1b[3G!');
    assert.deepEqual(vt.screenText(), ['aa!', '123456', '', '']);
  });

  void it('puts wide characters in two cells and wraps them whole', () => {
    const vt = new VirtualTerminal(3, 2);
    vt.write('a日本');
    assert.deepEqual(vt.screenText(), ['a日', '本']);
  });

  void it('tracks synchronized updates and cursor visibility, and rejects unknown sequences', () => {
    const vt = new VirtualTerminal(5, 2);
    vt.write('\x1b[?2026h\x1b[?25lx\x1b[?2026l');
    assert.equal(vt.syncDepth, 0);
    assert.equal(vt.syncFrames, 1);
    assert.equal(vt.cursorVisible, false);
    assert.throws(() => vt.write('\x1b[2J\x1b[5S'), /unsupported CSI/);
    assert.throws(() => new VirtualTerminal(5, 2).write('\x1b[?2026l'), /without a start/);
  });

  void it('re-wraps auto-wrapped rows on resize but keeps hard line breaks', () => {
    const vt = new VirtualTerminal(6, 4);
    vt.write('abcdefgh\r\nxy');
    vt.resize(4, 4);
    assert.deepEqual(vt.allText(), ['abcd', 'efgh', 'xy']);
    assert.deepEqual([vt.cursorRow, vt.cursorCol], [2, 2]);
    vt.resize(10, 4);
    assert.deepEqual(vt.allText(), ['abcdefgh', 'xy']);
    vt.resize(3, 2, { reflow: false });
    assert.deepEqual(vt.screenText(), ['abc', 'xy']);
  });
});
