import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import OpenAI from 'openai';
import { createResponseObject } from './response-object.js';
import type { ContextItem } from './context-item.js';
import { defaultDbPath, SqliteResponseStore } from './sqlite-response-store.js';
import { startTestServer, TEST_MODEL } from './testing/test-server.js';

const dir = mkdtempSync(join(tmpdir(), 'spark-store-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function sample(id: string): { response: ReturnType<typeof createResponseObject>; inputItems: ContextItem[] } {
  const response = createResponseObject({ model: 'm', input: 'hi' }, id, 1);
  response.status = 'completed';
  response.output = [{ type: 'message', id: `msg_out_${id}`, status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: 'yo', annotations: [], logprobs: [] }] }];
  const inputItems: ContextItem[] = [
    { type: 'message', id: `msg_in_${id}`, role: 'user', content: [{ type: 'input_text', text: 'hi' }] },
    { type: 'function_call_output', id: `fco_${id}`, call_id: 'call_1', output: 'x' },
  ];
  return { response, inputItems };
}

void describe('SqliteResponseStore', () => {
  void it('puts, gets, pages, finds items and deletes', async () => {
    const store = new SqliteResponseStore(':memory:');
    try {
      const stored = sample('resp_a');
      await store.put(stored);
      assert.deepEqual(await store.get('resp_a'), stored);
      assert.equal(await store.get('resp_b'), undefined);
      assert.deepEqual(await store.listInputItems('resp_a', { limit: 1, order: 'asc' }), { data: [stored.inputItems[0]], hasMore: true });
      assert.deepEqual(await store.listInputItems('resp_a', { limit: 5, order: 'desc' }), { data: [...stored.inputItems].reverse(), hasMore: false });
      assert.equal(await store.listInputItems('resp_b', { limit: 5, order: 'desc' }), undefined);
      assert.deepEqual(await store.getItem('msg_out_resp_a'), stored.response.output[0]);
      assert.deepEqual(await store.getItem('fco_resp_a'), stored.inputItems[1]);
      assert.equal(await store.delete('resp_a'), true);
      assert.equal(await store.delete('resp_a'), false);
      assert.equal(await store.get('resp_a'), undefined);
      assert.equal(await store.getItem('msg_out_resp_a'), undefined);
    } finally {
      await store.close();
    }
  });

  void it('keeps responses in its file across reopen', async () => {
    const path = join(dir, 'nested', 'responses.db');
    const first = new SqliteResponseStore(path);
    await first.put(sample('resp_file'));
    await first.close();
    const second = new SqliteResponseStore(path);
    try {
      assert.equal((await second.get('resp_file'))?.response.id, 'resp_file');
    } finally {
      await second.close();
    }
  });

  void it('defaults to $XDG_DATA_HOME/spark/responses.db', () => {
    assert.equal(defaultDbPath({ XDG_DATA_HOME: '/data' }), '/data/spark/responses.db');
    assert.match(defaultDbPath({}), /\.local\/share\/spark\/responses\.db$/);
  });
});

void describe('stored responses survive a server restart', () => {
  void it('retrieves, lists and chains from a response created before the restart', async () => {
    const dbPath = join(dir, 'restart.db');
    const before = await startTestServer({ dbPath });
    const created = await before.client.responses.create({ model: TEST_MODEL, input: 'persist me', instructions: 'first instructions' });
    const unstored = await before.client.responses.create({ model: TEST_MODEL, input: 'not me', store: false });
    await before.server.close();

    const after = await startTestServer({ dbPath });
    try {
      const fetched = await after.client.responses.retrieve(created.id);
      assert.equal(fetched.output_text, 'You said: persist me');
      const items = await after.client.responses.inputItems.list(created.id);
      assert.equal(items.data.length, 1);
      const chained = await after.client.responses.create({ model: TEST_MODEL, previous_response_id: created.id, input: 'and now?' });
      assert.equal(chained.status, 'completed');
      assert.deepEqual(after.engine.requests.at(-1)?.conversation, [
        { type: 'user', text: 'persist me' },
        { type: 'assistant', text: 'You said: persist me' },
        { type: 'user', text: 'and now?' },
      ]);
      await assert.rejects(after.client.responses.retrieve(unstored.id), (error: unknown) => error instanceof OpenAI.NotFoundError);
    } finally {
      await after.server.close();
    }
  });
});
