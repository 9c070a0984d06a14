import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StopCutter } from './stop-cutter.js';

function run(stops: string[], deltas: string[]): { out: string; stopped: boolean } {
  const cutter = new StopCutter(stops);
  let out = '';
  for (const delta of deltas) out += cutter.push(delta);
  out += cutter.flush();
  return { out, stopped: cutter.stopped };
}

void describe('StopCutter', () => {
  void it('passes text through when there are no stop sequences', () => {
    const cutter = new StopCutter(['']);
    assert.equal(cutter.idle, true);
    assert.equal(cutter.push('abc'), 'abc');
  });

  void it('cuts before the earliest stop sequence, within a delta or across deltas', () => {
    assert.deepEqual(run(['END'], ['abcENDxyz']), { out: 'abc', stopped: true });
    assert.deepEqual(run(['END'], ['ab', 'cE', 'N', 'Dxyz']), { out: 'abc', stopped: true });
    assert.deepEqual(run(['xyz', 'b'], ['abxyz']), { out: 'a', stopped: true });
    assert.deepEqual(run(['\n\n'], ['line\n', '\nmore']), { out: 'line', stopped: true });
  });

  void it('holds back only what may still begin a stop sequence, and releases it when it does not', () => {
    const cutter = new StopCutter(['STOP']);
    assert.equal(cutter.push('go ST'), 'go ');
    assert.equal(cutter.push('ORE'), 'STORE');
    assert.equal(cutter.push('S'), '');
    assert.equal(cutter.flush(), 'S');
    assert.equal(cutter.stopped, false);
    assert.deepEqual(run(['aab'], ['a', 'a', 'a', 'b', 'c']), { out: 'a', stopped: true });
  });

  void it('drops everything after the cut', () => {
    const cutter = new StopCutter(['.']);
    assert.equal(cutter.push('one. two'), 'one');
    assert.equal(cutter.push('three'), '');
    assert.equal(cutter.flush(), '');
  });
});
