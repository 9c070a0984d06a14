// A custom (freeform) tool call's input streams to the client as it is generated, as
// `response.custom_tool_call_input.delta` events before its `.done`, over real SSE bytes and a
// real WebSocket, and arrives raw: no `{"input": ...}` around it anywhere.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { sseEvents } from './testing/sse-frames.js';
import { startTestServer, steps, TEST_MODEL, type TestServer } from './testing/test-server.js';

const PATCH = '*** Begin Patch\n*** Update File: a.txt\n@@\n-"old"\n+"new" \\ {x}\n*** End Patch\n';
const GRAMMAR = 'start: /(.|\\n)+/\n';
const BODY = {
  model: TEST_MODEL,
  tools: [{ type: 'custom', name: 'apply_patch', description: 'Edit files', format: { type: 'grammar', syntax: 'lark', definition: GRAMMAR } }],
  input: steps({ type: 'tool_call', name: 'apply_patch', arguments: PATCH, kind: 'custom' }),
};

/** Checks the custom call's events in order: added, several deltas that add up to the input, done, item done. */
function assertStreamedInput(events: ReadonlyArray<Record<string, unknown>>): void {
  const types = events.map((event) => event['type']);
  const added = types.indexOf('response.output_item.added');
  const done = types.indexOf('response.custom_tool_call_input.done');
  const deltas = events.filter((event) => event['type'] === 'response.custom_tool_call_input.delta');
  assert.ok(added >= 0 && done > added, `added then done: ${types.join(', ')}`);
  assert.ok(deltas.length >= 2, `several input deltas, got ${deltas.length}`);
  assert.ok(deltas.every((delta) => events.indexOf(delta) < done), 'every delta comes before done');
  assert.equal(deltas.map((delta) => delta['delta']).join(''), PATCH, 'the deltas are the raw input');
  assert.equal(events[done]?.['input'], PATCH);
  const item = events.find((event) => event['type'] === 'response.output_item.done')?.['item'] as Record<string, unknown> | undefined;
  assert.deepEqual([item?.['type'], item?.['name'], item?.['input']], ['custom_tool_call', 'apply_patch', PATCH]);
  assert.equal(types.at(-1), 'response.completed');
}

void describe('custom tool input over the wire', () => {
  let t: TestServer;
  before(async () => { t = await startTestServer(); });
  after(async () => { await t.server.close(); });

  void it('streams input deltas before done over HTTP+SSE', async () => {
    const response = await fetch(`${t.url}/v1/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer test-key' },
      body: JSON.stringify({ ...BODY, stream: true }),
    });
    assert.equal(response.status, 200);
    assertStreamedInput(sseEvents(await response.text()));
    assert.deepEqual(t.engine.requests.at(-1)?.tools, [{ kind: 'custom', name: 'apply_patch', description: 'Edit files', grammar: { syntax: 'lark', definition: GRAMMAR } }]);
  });

  void it('streams input deltas before done over the WebSocket mode', async () => {
    const ws = new WebSocket(`${t.url.replace(/^http/, 'ws')}/v1/responses`, { headers: { authorization: 'Bearer test-key' } });
    try {
      await new Promise<void>((resolve, reject) => { ws.once('open', () => resolve()); ws.once('error', reject); });
      const events: Array<Record<string, unknown>> = [];
      const ended = new Promise<void>((resolve) => {
        ws.on('message', (data) => {
          const event = JSON.parse((data as Buffer).toString('utf8')) as Record<string, unknown>;
          events.push(event);
          if (event['type'] === 'response.completed' || event['type'] === 'response.failed' || event['type'] === 'error') resolve();
        });
      });
      ws.send(JSON.stringify({ type: 'response.create', ...BODY }));
      await ended;
      assertStreamedInput(events);
    } finally {
      ws.close();
    }
  });
});
