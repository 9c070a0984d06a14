// The bytes a client sees, pinned: one recorded session over HTTP+SSE and one over the WebSocket
// mode, compared with `fixtures/wire-session.txt`. A refactor of the token path or of the wire
// schemas must leave these bytes as they are; a deliberate change to the wire rewrites the
// fixture with `SPARK_UPDATE_WIRE_FIXTURE=1` and shows up in review as a diff of it.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { startTestServer, steps, TEST_MODEL, type TestServer } from './testing/test-server.js';

const FIXTURE = fileURLToPath(new URL('../src/fixtures/wire-session.txt', import.meta.url));
const PATCH = '*** Begin Patch\n*** Add File: a.txt\n+hi\n*** End Patch\n';
const TOOLS = [
  { type: 'function', name: 'exec_command', description: 'Run a shell command', strict: false, parameters: { type: 'object', properties: { cmd: { type: 'string' } }, required: ['cmd'] } },
  { type: 'custom', name: 'apply_patch', description: 'Edit files', format: { type: 'text' } },
];

/**
 * Random ids become `<prefix>_<n>` numbered by first appearance and clocks become 0, so two runs
 * of the same session are byte-identical; everything else is left exactly as sent.
 */
function normalize(text: string): string {
  const seen = new Map<string, string>();
  return text
    .replace(/\b([a-z]+)_[0-9a-f]{48}\b/g, (id, prefix: string) => {
      let name = seen.get(id);
      if (name === undefined) {
        name = `${prefix}_${seen.size + 1}`;
        seen.set(id, name);
      }
      return name;
    })
    .replace(/"(created_at|completed_at)":\d+/g, '"$1":0');
}

async function sse(url: string, body: object): Promise<string> {
  const response = await fetch(`${url}/v1/responses`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer test-key' },
    body: JSON.stringify(body),
  });
  return `HTTP ${response.status} ${response.headers.get('content-type') ?? ''}\n${await response.text()}`;
}

/** Sends each frame once the previous turn ended and records every text frame the server sent. */
async function wsSession(url: string, turns: ReadonlyArray<(previous: { id: string; callId?: string | undefined } | undefined) => string>): Promise<string[]> {
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/v1/responses`, { headers: { authorization: 'Bearer test-key' } });
  const frames: string[] = [];
  let waiter: (() => void) | undefined;
  ws.on('message', (data) => {
    // Text frames arrive as one Buffer (the ws default).
    frames.push((data as Buffer).toString('utf8'));
    waiter?.();
  });
  await new Promise<void>((resolve, reject) => { ws.once('open', () => resolve()); ws.once('error', reject); });
  try {
    let previous: { id: string; callId?: string | undefined } | undefined;
    for (const turn of turns) {
      const start = frames.length;
      const ended = new Promise<void>((resolve) => {
        waiter = () => {
          const last = JSON.parse(frames.at(-1) ?? '{}') as { type?: string; response?: { id: string; output: Array<{ call_id?: string }> } };
          if (last.type === 'response.completed' || last.type === 'response.incomplete' || last.type === 'response.failed' || last.type === 'error') {
            if (last.response !== undefined) previous = { id: last.response.id, callId: last.response.output.find((item) => item.call_id !== undefined)?.call_id };
            resolve();
          }
        };
      });
      ws.send(turn(previous));
      await ended;
      assert.ok(frames.length > start);
    }
  } finally {
    ws.close();
  }
  return frames;
}

void describe('wire bytes of a recorded session', () => {
  let t: TestServer;
  before(async () => { t = await startTestServer(); });
  after(async () => { await t.server.close(); });

  void it('are the recorded ones over HTTP+SSE and over the WebSocket mode', async () => {
    const parts: string[] = [];
    parts.push('## SSE: text', await sse(t.url, { model: TEST_MODEL, input: 'hello there', stream: true }));
    parts.push('## SSE: tools then text', await sse(t.url, {
      model: TEST_MODEL, stream: true, tools: TOOLS, instructions: 'Be brief.',
      input: steps({ type: 'text', text: 'Checking.' }, { type: 'tool_call', name: 'exec_command', arguments: '{"cmd":"ls"}' }, { type: 'tool_call', name: 'apply_patch', arguments: PATCH, kind: 'custom' }),
    }));
    parts.push('## SSE: max_output_tokens', await sse(t.url, { model: TEST_MODEL, input: 'slow 6', stream: true, max_output_tokens: 2 }));
    parts.push('## JSON: text', await sse(t.url, { model: TEST_MODEL, input: [{ role: 'user', content: 'no stream' }] }));
    parts.push('## JSON: bad request', await sse(t.url, { model: TEST_MODEL, input: 'x', temperature: 'hot' }));
    parts.push('## SSE: unknown model', await sse(t.url, { model: 'nope', input: 'x', stream: true }));

    const frames = await wsSession(t.url, [
      () => JSON.stringify({ type: 'response.create', model: TEST_MODEL, tools: TOOLS, input: steps({ type: 'tool_call', name: 'exec_command', arguments: '{"cmd":"pwd"}' }) }),
      (previous) => JSON.stringify({ type: 'response.create', model: TEST_MODEL, previous_response_id: previous?.id, input: [{ type: 'function_call_output', call_id: previous?.callId, output: '/work' }] }),
      (previous) => JSON.stringify({ type: 'response.create', model: TEST_MODEL, previous_response_id: previous?.id, input: 'thanks', generate: false }),
      () => JSON.stringify({ type: 'response.create', model: TEST_MODEL, stream_id: 'side', input: 'lane two' }),
      () => JSON.stringify({ type: 'response.create', model: TEST_MODEL, input: 'x', max_output_tokens: -1 }),
      () => '{not json',
      () => JSON.stringify({ type: 'response.create', model: TEST_MODEL, previous_response_id: 'resp_missing', input: 'x' }),
    ]);
    parts.push('## WebSocket', ...frames);
    const recorded = normalize(parts.join('\n'));
    if (process.env['SPARK_UPDATE_WIRE_FIXTURE'] === '1') writeFileSync(FIXTURE, recorded);
    assert.equal(recorded, readFileSync(FIXTURE, 'utf8'));
  });
});
