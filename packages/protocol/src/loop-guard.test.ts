import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findTrailingLoop, LOOP_MIN_CHARS, LOOP_MIN_COPIES, LoopGuard } from './loop-guard.js';

const SENTENCE = 'The function add returns the sum of its two arguments. ';

describe('LoopGuard', () => {
  it('stops a sentence repeated line after line, streamed token by token', () => {
    const guard = new LoopGuard();
    const text = `Here is what I found.\n${'Fix the bug in calc.py: add should add.\n'.repeat(20)}`;
    let stoppedAt = -1;
    for (let index = 0; index < text.length; index += 3) {
      if (guard.push(text.slice(index, index + 3)) !== undefined) { stoppedAt = index; break; }
    }
    assert.ok(stoppedAt > 0, 'the loop was found');
    assert.ok(stoppedAt < 12 * 41, `found after about ${LOOP_MIN_COPIES}-6 copies, at ${stoppedAt}`);
  });

  it('finds a long paragraph repeated, with its period', () => {
    const paragraph = `${SENTENCE.repeat(3)}It is exported as the default.\n\n`;
    const loop = findTrailingLoop(`Intro. ${paragraph.repeat(5)}`);
    assert.equal(loop?.period, paragraph.length);
    assert.ok((loop?.copies ?? 0) >= LOOP_MIN_COPIES);
  });

  it('leaves ordinary prose, code and short repeated runs alone', () => {
    const code = Array.from({ length: 60 }, (_, index) => `  const value${index} = compute(${index}, options);\n`).join('');
    assert.equal(findTrailingLoop(code), undefined);
    // A markdown rule and a short table: repeated, but shorter than LOOP_MIN_CHARS.
    assert.equal(findTrailingLoop(`Result:\n${'-'.repeat(80)}\n| a | b |\n|---|---|\n| 1 | 2 |\n`), undefined);
    assert.equal(findTrailingLoop(SENTENCE.repeat(3)), undefined, 'three copies are not yet a loop');
  });

  it('needs the run at the end: a loop that stopped is not reported', () => {
    const text = `${'again '.repeat(60)}and then the model moved on to a different topic entirely, as it should.`;
    assert.equal(findTrailingLoop(text), undefined);
    assert.ok(findTrailingLoop('again '.repeat(60)) !== undefined);
    assert.ok('again '.repeat(60).length >= LOOP_MIN_CHARS);
  });
});
