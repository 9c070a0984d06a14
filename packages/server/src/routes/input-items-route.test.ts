import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { errorOf } from '../testing/sse-frames.js';
import { startTestServer, TEST_MODEL, type TestServer } from '../testing/test-server.js';

void describe('GET /v1/responses/{id}/input_items', () => {
  let t: TestServer;
  let chained: OpenAI.Responses.Response;
  before(async () => {
    t = await startTestServer();
    const first = await t.client.responses.create({
      model: TEST_MODEL,
      input: [
        { role: 'developer', content: 'rules' },
        { role: 'user', content: 'one' },
        { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'two' }] },
      ],
    });
    chained = await t.client.responses.create({ model: TEST_MODEL, previous_response_id: first.id, input: 'three' });
  });
  after(async () => { await t.server.close(); });

  void it('lists the full resolved input, newest first by default, every item with an id', async () => {
    const page = await t.client.responses.inputItems.list(chained.id);
    const texts = page.data.map((item) => {
      assert.equal(item.type, 'message');
      assert.ok(item.id);
      return item.type === 'message' ? item.content.map((part) => ('text' in part ? part.text : '')).join('') : '';
    });
    assert.deepEqual(texts, ['three', 'You said: two', 'two', 'one', 'rules']);
    assert.match(page.data[0]?.id ?? '', /^msg_/);
    assert.equal(page.has_more, false);
  });

  void it('paginates with after/limit through the SDK, in both orders', async () => {
    const ids: string[] = [];
    for await (const item of t.client.responses.inputItems.list(chained.id, { limit: 2, order: 'asc' })) ids.push(item.id);
    assert.equal(ids.length, 5);
    const firstPage = await t.client.responses.inputItems.list(chained.id, { limit: 2, order: 'asc' });
    assert.equal(firstPage.has_more, true);
    assert.deepEqual(firstPage.data.map((item) => item.id), ids.slice(0, 2));
    const raw = await (await fetch(`${t.url}/v1/responses/${chained.id}/input_items?order=desc&limit=2&after=${ids[3]}`)).json() as {
      object: string; data: Array<{ id: string }>; first_id: string; last_id: string; has_more: boolean;
    };
    assert.equal(raw.object, 'list');
    assert.deepEqual(raw.data.map((item) => item.id), [ids[2], ids[1]]);
    assert.equal(raw.first_id, ids[2]);
    assert.equal(raw.last_id, ids[1]);
    assert.equal(raw.has_more, true);
  });

  void it('keeps client ids and is stable across calls', async () => {
    const created = await t.client.responses.create({
      model: TEST_MODEL,
      input: [{ type: 'message', role: 'user', content: 'with id', id: 'msg_client_1' } as OpenAI.Responses.ResponseInputItem],
    });
    const a = await t.client.responses.inputItems.list(created.id);
    const b = await t.client.responses.inputItems.list(created.id);
    assert.deepEqual(a.data.map((item) => item.id), ['msg_client_1']);
    assert.deepEqual(a.data, b.data);
  });

  void it('400s for a bad limit, order or after, and 404s for an unknown response', async () => {
    for (const [query, param] of [['limit=0', 'limit'], ['limit=101', 'limit'], ['limit=abc', 'limit'], ['order=up', 'order'], ['after=msg_nope', 'after']]) {
      const res = await fetch(`${t.url}/v1/responses/${chained.id}/input_items?${query}`);
      assert.equal(res.status, 400, query);
      assert.equal(errorOf(await res.json()).param, param);
    }
    await assert.rejects(t.client.responses.inputItems.list('resp_unknown'), (error: unknown) => error instanceof OpenAI.NotFoundError);
  });
});
