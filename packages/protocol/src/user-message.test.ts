import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inputItems, userMessage } from './user-message.js';

void describe('userMessage', () => {
  void it('is the message item a string input stands for', () => {
    assert.deepEqual(userMessage('hi'), { type: 'message', role: 'user', content: 'hi' });
  });

  void it('turns a string input into one user message and leaves item lists as they are', () => {
    assert.deepEqual(inputItems('hi'), [{ type: 'message', role: 'user', content: 'hi' }]);
    const items = [{ type: 'function_call_output' as const, call_id: 'c', output: 'x' }];
    assert.deepEqual(inputItems(items), items);
    assert.deepEqual(inputItems(undefined), []);
  });
});
