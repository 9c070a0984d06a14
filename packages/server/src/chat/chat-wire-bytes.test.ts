// The bytes a Chat Completions client sees, pinned like `wire-bytes.test.ts` pins the Responses
// ones: a recorded session compared with `fixtures/chat-wire-session.txt`. A deliberate change
// to the wire rewrites the fixture with `SPARK_UPDATE_WIRE_FIXTURE=1` and shows up in review as
// a diff of it.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startTestServer, steps, TEST_MODEL, type TestServer } from '../testing/test-server.js';

const FIXTURE = fileURLToPath(new URL('../../src/fixtures/chat-wire-session.txt', import.meta.url));
const TOOLS = [{ type: 'function', function: { name: 'exec_command', description: 'Run a shell command', parameters: { type: 'object', properties: { cmd: { type: 'string' } }, required: ['cmd'] } } }];

/** Completion ids become `chatcmpl-<n>` by first appearance and `created` becomes 0; everything else is as sent. */
function normalize(text: string): string {
  const seen = new Map<string, string>();
  return text
    .replace(/\bchatcmpl-[0-9a-f]{48}\b/g, (id) => {
      let name = seen.get(id);
      if (name === undefined) {
        name = `chatcmpl-${seen.size + 1}`;
        seen.set(id, name);
      }
      return name;
    })
    .replace(/"created":\d+/g, '"created":0');
}

async function call(url: string, body: object): Promise<string> {
  const response = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer test-key' },
    body: JSON.stringify(body),
  });
  return `HTTP ${response.status} ${response.headers.get('content-type') ?? ''}\n${await response.text()}`;
}

void describe('Chat Completions wire bytes of a recorded session', () => {
  let t: TestServer;
  before(async () => { t = await startTestServer(); });
  after(async () => { await t.server.close(); });

  void it('are the recorded ones', async () => {
    const user = (content: string): object[] => [{ role: 'user', content }];
    const toolCall = steps({ type: 'text', text: 'Checking.' }, { type: 'tool_call', name: 'exec_command', arguments: '{"cmd":"ls"}' });
    const parts: string[] = [];
    parts.push('## SSE: text, include_usage', await call(t.url, { model: TEST_MODEL, messages: user('hello there'), stream: true, stream_options: { include_usage: true } }));
    parts.push('## SSE: text then tool call', await call(t.url, { model: TEST_MODEL, messages: user(toolCall), tools: TOOLS, stream: true }));
    parts.push('## SSE: max_tokens', await call(t.url, { model: TEST_MODEL, messages: user('slow 6'), max_tokens: 2, stream: true }));
    parts.push('## JSON: text', await call(t.url, { model: TEST_MODEL, messages: user('no stream') }));
    parts.push('## JSON: tool call', await call(t.url, { model: TEST_MODEL, messages: user(toolCall), tools: TOOLS, tool_choice: 'required' }));
    parts.push('## JSON: bad request', await call(t.url, { model: TEST_MODEL, messages: user('x'), temperature: 'hot' }));
    parts.push('## SSE: unknown model', await call(t.url, { model: 'nope', messages: user('x'), stream: true }));
    const recorded = normalize(parts.join('\n'));
    if (process.env['SPARK_UPDATE_WIRE_FIXTURE'] === '1') writeFileSync(FIXTURE, recorded);
    assert.equal(recorded, readFileSync(FIXTURE, 'utf8'));
  });
});
