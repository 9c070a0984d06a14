import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MAX_JSON_DEPTH, MAX_SCHEMA_DEPTH, MAX_TOOLS, MAX_TOTAL_SCHEMA_CHARS } from '@spark/protocol';
import { errorOf, post } from '../testing/sse-frames.js';
import { startTestServer, TEST_MODEL, type TestServer } from '../testing/test-server.js';
import { WsTestClient } from '../testing/ws-test-client.js';

/** A schema `levels` objects deep, as text (too deep for `JSON.stringify` to build). */
function deepSchema(levels: number): string {
  return `${'{"type":"object","properties":{"a":'.repeat(levels)}{"type":"string"}${'}}'.repeat(levels)}`;
}
const toolWith = (parameters: string): string =>
  `{"model":"${TEST_MODEL}","input":"x","tools":[{"type":"function","name":"f","parameters":${parameters}}]}`;
const formatWith = (schema: string): string =>
  `{"model":"${TEST_MODEL}","input":"x","text":{"format":{"type":"json_schema","name":"out","schema":${schema}}}}`;
/** A schema nesting exactly `jsonLevels` JSON levels (within the body limit, past the schema limit). */
const schemaOfJsonDepth = (jsonLevels: number): string => `${'{"items":'.repeat(jsonLevels - 1)}{}${'}'.repeat(jsonLevels - 1)}`;

const CASES: Array<{ name: string; body: string; code: string; param: string; limit: number }> = [
  { name: 'a tool schema 100,000 levels deep', body: toolWith(deepSchema(100_000)), code: 'json_nesting_too_deep', param: 'tools[0].parameters', limit: MAX_JSON_DEPTH },
  { name: 'a text.format schema 100,000 levels deep', body: formatWith(deepSchema(100_000)), code: 'json_nesting_too_deep', param: 'text.format.schema', limit: MAX_JSON_DEPTH },
  { name: 'a tool schema past the schema depth', body: toolWith(schemaOfJsonDepth(MAX_SCHEMA_DEPTH + 1)), code: 'schema_too_deep', param: 'tools[0].parameters', limit: MAX_SCHEMA_DEPTH },
  { name: 'a text.format schema past the schema depth', body: formatWith(schemaOfJsonDepth(MAX_SCHEMA_DEPTH + 1)), code: 'schema_too_deep', param: 'text.format.schema', limit: MAX_SCHEMA_DEPTH },
  {
    name: 'too many tools',
    body: JSON.stringify({ model: TEST_MODEL, input: 'x', tools: Array.from({ length: MAX_TOOLS + 1 }, (_, index) => ({ type: 'function', name: `t${index}` })) }),
    code: 'too_many_tools', param: 'tools', limit: MAX_TOOLS,
  },
  {
    name: 'schemas too large together',
    body: JSON.stringify({
      model: TEST_MODEL, input: 'x',
      tools: [0, 1].map((index) => ({ type: 'function', name: `t${index}`, parameters: { type: 'object', description: 'd'.repeat(MAX_TOTAL_SCHEMA_CHARS / 2) } })),
    }),
    code: 'schemas_too_large', param: 'tools[1].parameters', limit: MAX_TOTAL_SCHEMA_CHARS,
  },
];

void describe('request depth and size limits', () => {
  let t: TestServer;
  before(async () => { t = await startTestServer({ limits: { maxBodyBytes: 16 * 1024 * 1024 } }); });
  after(async () => { await t.server.close(); });

  for (const { name, body, code, param, limit } of CASES) {
    void it(`answers ${name} with a 400 naming the limit, over HTTP and WebSocket, and keeps serving`, async () => {
      const res = await post(`${t.url}/v1/responses`, body);
      assert.equal(res.status, 400);
      const error = errorOf(res.json());
      assert.equal(error.code, code);
      assert.equal(error.param, param);
      assert.match(error.message, new RegExp(`limit (of|is) ${limit}\\b`));

      const ws = await WsTestClient.connect(t.url);
      try {
        ws.send(`{"type":"response.create",${body.slice(1)}`);
        const frame = await ws.waitFor((candidate) => candidate['type'] === 'error');
        const wsError = frame['error'] as { code: string; param: string };
        assert.equal(wsError.code, code);
        assert.equal(wsError.param, param);
        ws.send({ type: 'response.create', model: TEST_MODEL, input: 'still there?' });
        await ws.waitFor((candidate) => candidate['type'] === 'response.completed');
      } finally {
        ws.ws.close();
      }
      assert.equal((await post(`${t.url}/v1/responses`, { model: TEST_MODEL, input: 'next' })).status, 200);
      assert.deepEqual(t.logged, []);
    });
  }

  void it('accepts a schema at the schema depth limit', async () => {
    const res = await post(`${t.url}/v1/responses`, toolWith(schemaOfJsonDepth(MAX_SCHEMA_DEPTH)));
    assert.equal(res.status, 200, res.text);
  });
});
