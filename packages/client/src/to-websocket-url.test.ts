import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toWebSocketUrl } from './to-websocket-url.js';

void describe('toWebSocketUrl', () => {
  void it('maps http to ws and https to wss and appends /responses, as the SDK does', () => {
    assert.equal(toWebSocketUrl('http://127.0.0.1:8000/v1'), 'ws://127.0.0.1:8000/v1/responses');
    assert.equal(toWebSocketUrl('https://api.openai.com/v1/'), 'wss://api.openai.com/v1/responses');
    assert.equal(toWebSocketUrl('http://host'), 'ws://host/responses');
  });
});
