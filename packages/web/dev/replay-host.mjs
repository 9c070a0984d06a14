// Dev only (not built into the app): serves dist/ and a scripted stand-in for the agent host on
// /v1/agent, so the UI can be looked at and screenshotted without a model. Usage:
//   node packages/web/dev/replay-host.mjs [port]
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { WebSocketServer } from 'ws';

const dist = new URL('../dist/', import.meta.url).pathname;
const port = Number(process.argv[2] ?? 4321);
const types = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' };

const http = createServer(async (req, res) => {
  const path = req.url === '/' || req.url?.startsWith('/?') ? 'index.html' : (req.url ?? '').slice(1).split('?')[0];
  try {
    const body = await readFile(join(dist, path));
    res.writeHead(200, { 'content-type': types[extname(path)] ?? 'application/octet-stream' }).end(body);
  } catch {
    res.writeHead(404).end();
  }
});

const THREAD = 'th-demo';
let seq = 0;
let history = [];
let queued = [];
const clients = new Set();
const info = () => ({ thread_id: THREAD, title: 'Fix the failing parser test', model: 'smollm2-135m', created_at: new Date().toISOString(), updated_ms: Date.now(), state: 'idle' });
const snapshot = () => ({ thread_id: THREAD, turns: 1, history, pending_approvals: [], queued, running_turn_id: null, model: 'smollm2-135m', context_tokens: 1840, context_window: 8192, last_seq: seq });
const emit = (body) => {
  const event = { ...body, thread_id: THREAD, turn_id: 'turn-1', seq: ++seq };
  for (const socket of clients) socket.send(JSON.stringify({ type: 'event', event }));
};
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const ANSWER = `The test fails because \`parseLine\` drops the **last field** when a line ends without a newline.

Here is the fix:

\`\`\`ts
export function parseLine(line: string): string[] {
  // keep a trailing field even without a final separator
  return line.split(',').map((field) => field.trim());
}
\`\`\`

- It keeps empty fields
- It trims spaces

Run \`npm test\` to check.`;

const PATCH = `*** Begin Patch
*** Update File: src/parse-line.ts
@@ export function parseLine(line: string): string[] {
-  return line.split(',').slice(0, -1).map((field) => field.trim());
+  return line.split(',').map((field) => field.trim());
 }
*** Add File: src/parse-line.test.ts
+import { parseLine } from './parse-line.js';
+test('keeps the last field', () => assert.deepEqual(parseLine('a,b'), ['a', 'b']));
*** End Patch`;

let pendingApproval = null;
async function turn(input) {
  emit({ type: 'turn.started', turn: 1, input });
  emit({ type: 'response.started', response_id: 'resp1' });
  emit({ type: 'tool_call', call_id: 'c1', name: 'shell', input: JSON.stringify({ command: 'npm test -- parse-line', timeout_ms: 0 }) });
  await sleep(200);
  emit({ type: 'approval.requested', request_id: 'ap1', call_id: 'c1', kind: 'shell', summary: 'npm test', reason: 'runs the test suite', request: { kind: 'shell', call_id: 'c1', command: 'npm test -- parse-line', reason: 'runs the test suite', classes: ['exec'] } });
  await new Promise((resolve) => { pendingApproval = resolve; });
  emit({ type: 'tool_result', call_id: 'c1', name: 'shell', ok: false, output: 'FAIL src/parse-line.test.ts\n  expected [a, b] got [a]', exit_code: 1, duration_ms: 812 });
  emit({ type: 'tool_call', call_id: 'p1', name: 'apply_patch', input: JSON.stringify({ input: PATCH }) });
  emit({ type: 'tool_result', call_id: 'p1', name: 'apply_patch', ok: true, output: 'Done', duration_ms: 4 });
  emit({ type: 'patch.applied', call_id: 'p1', changes: [{ kind: 'M', path: 'src/parse-line.ts' }, { kind: 'A', path: 'src/parse-line.test.ts' }] });
  emit({ type: 'response.started', response_id: 'resp2' });
  for (const token of ANSWER.match(/.{1,4}/gs)) { emit({ type: 'text.delta', response_id: 'resp2', delta: token }); await sleep(15); }
  emit({ type: 'message', text: ANSWER, partial: false });
  emit({ type: 'response.completed', status: 'completed', stats: { response_id: 'resp2', input_tokens: 2100, cached_input_tokens: 1800, output_tokens: 96, ttft_ms: 42, tokens_per_second: 61.5, transport: 'websocket', input_items_sent: 2 } });
  emit({ type: 'turn.completed', turn: 1, status: 'completed', final_message: ANSWER, steps: 3 });
  emit({ type: 'thread.idle' });
}

new WebSocketServer({ server: http, path: '/v1/agent' }).on('connection', (socket) => {
  clients.add(socket);
  socket.on('close', () => clients.delete(socket));
  socket.send(JSON.stringify({ type: 'hello', protocol: 1, workspace: '/home/me/parser', model: 'smollm2-135m', version: 'dev' }));
  socket.on('message', (data) => {
    const request = JSON.parse(String(data));
    const answer = (result) => socket.send(JSON.stringify({ type: 'result', id: request.id, result }));
    switch (request.type) {
      case 'threads.list': return answer({ threads: [info(), { ...info(), thread_id: 'th-old', title: 'Explain the tokenizer cache', updated_ms: Date.now() - 7_200_000, state: 'closed' }] });
      case 'models.list': return answer({ models: [{ id: 'smollm2-135m', owned_by: 'llama.cpp', context_window: 8192 }, { id: 'gpt-5-codex', owned_by: 'openai', context_window: 400000 }] });
      case 'thread.start': case 'thread.attach': case 'thread.fork': return answer({ thread: info(), snapshot: snapshot(), events: [] });
      case 'thread.detach': return answer({});
      case 'thread.op': {
        answer({});
        const op = request.op;
        if (op.type === 'user_message') void turn(op.text);
        if (op.type === 'approval') { emit({ type: 'approval.decided', request_id: op.request_id, call_id: 'c1', decision: op.decision }); pendingApproval?.(); }
        if (op.type === 'queue') { queued = [...queued, op.text]; emit({ type: 'queue.changed', queued }); }
        if (op.type === 'undo') emit({ type: 'patch.undone', call_id: 'p1', restored: ['src/parse-line.ts', 'src/parse-line.test.ts'] });
        return undefined;
      }
      default: return socket.send(JSON.stringify({ type: 'error', id: request.id, error: { code: 'invalid_frame', message: 'unknown' } }));
    }
  });
});
http.listen(port, '127.0.0.1', () => console.log(`replay host on http://127.0.0.1:${port}/`));
