import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isSameOrigin } from './check-host-upgrade.js';

void describe('isSameOrigin (the agent host upgrade wall)', () => {
  void it('accepts the page of this server over http and over https (spark serve --tls-cert)', () => {
    assert.equal(isSameOrigin('http://127.0.0.1:8000', '127.0.0.1:8000'), true);
    assert.equal(isSameOrigin('https://127.0.0.1:8443', '127.0.0.1:8443'), true);
    assert.equal(isSameOrigin('https://spark.example', 'spark.example:443'), true);
    assert.equal(isSameOrigin(undefined, '127.0.0.1:8000'), true);
  });

  void it('refuses another port, another host and other schemes', () => {
    assert.equal(isSameOrigin('https://127.0.0.1:5173', '127.0.0.1:8443'), false);
    assert.equal(isSameOrigin('https://evil.example', '127.0.0.1:8443'), false);
    assert.equal(isSameOrigin('https://spark.example', 'spark.example:80'), false);
    assert.equal(isSameOrigin('file://127.0.0.1:8443', '127.0.0.1:8443'), false);
    assert.equal(isSameOrigin('null', '127.0.0.1:8443'), false);
    assert.equal(isSameOrigin('https://127.0.0.1:8443', undefined), false);
  });
});
