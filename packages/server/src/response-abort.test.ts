import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { abortKindOf, ResponseAbort } from './response-abort.js';

void describe('abortKindOf', () => {
  void it("reads the kind from the signal's reason; the first abort wins", () => {
    const controller = new AbortController();
    assert.equal(abortKindOf(controller.signal), undefined);
    controller.abort(new ResponseAbort('steered'));
    controller.abort(new ResponseAbort('cancelled'));
    assert.equal(abortKindOf(controller.signal), 'steered');
  });

  void it('counts an abort without a ResponseAbort as the client going away', () => {
    assert.equal(abortKindOf(AbortSignal.abort()), 'interrupted');
    assert.equal(abortKindOf(undefined), undefined);
  });

  void it('is an AbortError, as abortable APIs throw it', () => {
    const signal = AbortSignal.abort(new ResponseAbort('cancelled'));
    assert.throws(() => signal.throwIfAborted(), { name: 'AbortError' });
  });
});
