import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Router } from './router.js';

void describe('Router', () => {
  const router = new Router<string>()
    .add('POST', '/v1/responses', 'create')
    .add('GET', '/v1/responses/:id', 'get')
    .add('DELETE', '/v1/responses/:id', 'delete')
    .add('GET', '/v1/responses/:id/input_items', 'items');

  void it('matches method and path, decoding parameters', () => {
    assert.deepEqual(router.match('GET', '/v1/responses/resp%201'), { kind: 'found', handler: 'get', pattern: '/v1/responses/:id', params: { id: 'resp 1' } });
    assert.deepEqual(router.match('POST', '/v1/responses/'), { kind: 'found', handler: 'create', pattern: '/v1/responses', params: {} });
    assert.equal(router.match('HEAD', '/v1/responses/x/input_items').kind, 'found');
  });

  void it('reports 405 with the allowed methods, and 404 for unknown paths', () => {
    assert.deepEqual(router.match('PUT', '/v1/responses/x'), { kind: 'method_not_allowed', pattern: '/v1/responses/:id', allow: ['GET', 'DELETE'] });
    assert.deepEqual(router.match('GET', '/v1/responses/x/y'), { kind: 'not_found' });
    assert.deepEqual(router.match('GET', '/v1/responses/%E0%A4%A'), { kind: 'not_found' });
  });
});
