import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createBearerCheck, isLoopbackHost } from './auth.js';

void describe('isLoopbackHost', () => {
  void it('accepts only addresses this machine alone can reach', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]', '::ffff:127.0.0.1']) assert.equal(isLoopbackHost(host), true, host);
    for (const host of ['0.0.0.0', '::', '10.0.0.1', '192.168.1.2', 'example.com', '']) assert.equal(isLoopbackHost(host), false, host);
  });
});

void describe('createBearerCheck', () => {
  const check = createBearerCheck(['sk-a', 'sk-b']);
  void it('accepts a configured key as a Bearer token', () => {
    assert.equal(check('Bearer sk-a'), true);
    assert.equal(check('bearer sk-b'), true);
  });
  void it('rejects anything else', () => {
    for (const header of [undefined, '', 'sk-a', 'Bearer', 'Bearer sk-c', 'Basic sk-a', 'Bearer sk-a2']) assert.equal(check(header), false, String(header));
  });
});
