import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ansiStyle, createStyle, cursorPrevLine, cursorToColumn, cursorUp, plainStyle, shouldUseColor } from './ansi.js';

void describe('createStyle', () => {
  void it('wraps text in the attribute and its specific close code', () => {
    assert.equal(ansiStyle.bold('x'), '\x1b[1mx\x1b[22m');
    assert.equal(ansiStyle.cyan('x'), '\x1b[36mx\x1b[39m');
    assert.equal(ansiStyle.gray('x'), '\x1b[90mx\x1b[39m');
    assert.equal(ansiStyle.red(''), '', 'empty text stays empty');
  });

  void it('re-opens an outer style that an inner close code would end', () => {
    assert.equal(ansiStyle.bold(`${ansiStyle.dim('a')}b`), '\x1b[1m\x1b[2ma\x1b[22m\x1b[1mb\x1b[22m');
    assert.equal(ansiStyle.red(`a${ansiStyle.green('b')}c`), '\x1b[31ma\x1b[32mb\x1b[39m\x1b[31mc\x1b[39m');
  });

  void it('is the identity when colour is off', () => {
    const s = createStyle(false);
    assert.equal(s.enabled, false);
    assert.equal(s.bold(s.red('plain')), 'plain');
    assert.equal(plainStyle.underline('x'), 'x');
  });
});

void describe('shouldUseColor', () => {
  const tty = { isTTY: true };
  const pipe = { isTTY: false };
  void it('colours a TTY and not a pipe by default', () => {
    assert.equal(shouldUseColor(tty, {}), true);
    assert.equal(shouldUseColor(pipe, {}), false);
  });
  void it('honours NO_COLOR, FORCE_COLOR and TERM=dumb', () => {
    assert.equal(shouldUseColor(tty, { NO_COLOR: '1' }), false);
    assert.equal(shouldUseColor(tty, { NO_COLOR: '' }), true, 'an empty NO_COLOR does not count');
    assert.equal(shouldUseColor(pipe, { FORCE_COLOR: '1' }), true);
    assert.equal(shouldUseColor(tty, { FORCE_COLOR: '0' }), false);
    assert.equal(shouldUseColor(tty, { TERM: 'dumb' }), false);
  });
});

void describe('cursor sequences', () => {
  void it('spells CUU, CPL and CHA, with no-op forms for zero', () => {
    assert.equal(cursorUp(0), '');
    assert.equal(cursorUp(2), '\x1b[2A');
    assert.equal(cursorPrevLine(0), '\r');
    assert.equal(cursorPrevLine(3), '\x1b[3F');
    assert.equal(cursorToColumn(0), '\x1b[1G');
    assert.equal(cursorToColumn(9), '\x1b[10G');
  });
});
