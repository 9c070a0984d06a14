import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { errorOf } from '../testing/sse-frames.js';
import { startTestServer, TEST_MODEL, type TestServer } from '../testing/test-server.js';

void describe('GET, DELETE and cancel of /v1/responses/{id}', () => {
  let t: TestServer;
  before(async () => { t = await startTestServer(); });
  after(async () => { await t.server.close(); });

  void it('retrieves a stored response as it was returned', async () => {
    const created = await t.client.responses.create({ model: TEST_MODEL, input: 'keep me', instructions: 'sys' });
    const fetched = await t.client.responses.retrieve(created.id);
    assert.deepEqual({ ...fetched, _request_id: undefined }, { ...created, _request_id: undefined });
    assert.equal(fetched.output_text, 'You said: keep me');
  });

  void it('404s for unknown ids and for store:false responses', async () => {
    const unstored = await t.client.responses.create({ model: TEST_MODEL, input: 'forget me', store: false });
    assert.equal((unstored as unknown as { store: boolean }).store, false);
    for (const id of ['resp_unknown', unstored.id]) {
      await assert.rejects(t.client.responses.retrieve(id), (error: unknown) => error instanceof OpenAI.NotFoundError);
      const res = await fetch(`${t.url}/v1/responses/${id}`);
      assert.equal(res.status, 404);
      const error = errorOf(await res.json());
      assert.equal(error.type, 'invalid_request_error');
      assert.equal(error.code, null);
      assert.equal(error.param, null);
    }
  });

  void it('deletes, then 404s on GET and on a second DELETE', async () => {
    const created = await t.client.responses.create({ model: TEST_MODEL, input: 'delete me' });
    const res = await fetch(`${t.url}/v1/responses/${created.id}`, { method: 'DELETE', headers: { accept: '*/*' } });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { id: created.id, object: 'response', deleted: true });
    await assert.rejects(t.client.responses.retrieve(created.id), (error: unknown) => error instanceof OpenAI.NotFoundError);
    await assert.rejects(t.client.responses.delete(created.id), (error: unknown) => error instanceof OpenAI.NotFoundError);
    // The SDK's own delete succeeds on a live id.
    const other = await t.client.responses.create({ model: TEST_MODEL, input: 'sdk delete' });
    await t.client.responses.delete(other.id);
    await assert.rejects(t.client.responses.retrieve(other.id), (error: unknown) => error instanceof OpenAI.NotFoundError);
  });

  void it('cancel returns a finished response as is, and 404s for unknown ids', async () => {
    const created = await t.client.responses.create({ model: TEST_MODEL, input: 'done already' });
    const cancelled = await t.client.responses.cancel(created.id);
    assert.equal(cancelled.status, 'completed');
    assert.equal(cancelled.id, created.id);
    await assert.rejects(t.client.responses.cancel('resp_unknown'), (error: unknown) => error instanceof OpenAI.NotFoundError);
  });

  void it('shows an in-flight stored response as in_progress, and cancel ends it as cancelled', async () => {
    const stream = await t.client.responses.create({ model: TEST_MODEL, input: 'slow 2000', stream: true });
    let last: OpenAI.Responses.ResponseStreamEvent | undefined;
    for await (const event of stream) {
      if (event.type === 'response.created') {
        assert.equal((await t.client.responses.retrieve(event.response.id)).status, 'in_progress');
        assert.equal((await t.client.responses.cancel(event.response.id)).status, 'cancelled');
      }
      last = event;
    }
    assert.ok(last?.type === 'response.incomplete');
    assert.equal(last.response.status, 'cancelled');
    assert.equal((await t.client.responses.retrieve(last.response.id)).status, 'cancelled');
  });

  void it('refuses to replay a stored response as a stream', async () => {
    const created = await t.client.responses.create({ model: TEST_MODEL, input: 'x' });
    const res = await fetch(`${t.url}/v1/responses/${created.id}?stream=true`);
    assert.equal(res.status, 400);
    assert.equal(errorOf(await res.json()).param, 'stream');
  });
});
