import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SPINNER_FRAMES, spinnerFrame } from './spinner.js';

void describe('spinnerFrame', () => {
  void it('advances one frame per interval and wraps around', () => {
    assert.equal(spinnerFrame(0), SPINNER_FRAMES[0]);
    assert.equal(spinnerFrame(79), SPINNER_FRAMES[0]);
    assert.equal(spinnerFrame(80), SPINNER_FRAMES[1]);
    assert.equal(spinnerFrame(80 * SPINNER_FRAMES.length), SPINNER_FRAMES[0]);
    assert.equal(spinnerFrame(250, ['a', 'b'], 100), 'a');
    assert.equal(spinnerFrame(-5), SPINNER_FRAMES[0]);
  });
});
