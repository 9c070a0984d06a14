// Codex CLI's own apply_patch, end to end on the scripted engine: `codex exec` sends its freeform
// apply_patch tool (Lark grammar), the engine streams a custom tool call's raw input in several
// deltas (no {"input": ...} wrapper anywhere), Codex applies the patch in its workspace and
// answers with a custom_tool_call_output, over HTTP+SSE and over the WebSocket mode.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { GenerateRequest, ScriptStep } from '@spark/engine';
import { startTestServer, TEST_MODEL, type TestServer } from '@spark/server/testing';
import { createCodexWorkspace, runCodexExec, type CodexWorkspace } from './testing/codex-harness.js';

const API_KEY = 'spark-codex-patch-key';
const CODEX_TIMEOUT_MS = 90_000;
const PATCH = (file: string): string => `*** Begin Patch\n*** Add File: ${file}\n+made by the scripted model\n+through Codex's apply_patch\n*** End Patch\n`;

/** What the engine saw: each request's tools and the tool outputs it carried. */
const seen: GenerateRequest[] = [];

function script(request: GenerateRequest): readonly ScriptStep[] {
  seen.push(request);
  const file = /create (\S+)/.exec([...request.conversation].reverse().find((item) => item.type === 'user')?.text ?? '')?.[1] ?? 'missing.txt';
  if (request.conversation.at(-1)?.type === 'tool_result') return [{ type: 'text', text: 'Created it.' }];
  const patch = PATCH(file);
  // Several deltas, split mid-line, as a model streams them.
  const chunks = patch.match(/[\s\S]{1,11}/g) ?? [patch];
  return [{ type: 'tool_call', name: 'apply_patch', kind: 'custom', arguments: patch, chunks }];
}

void describe('codex exec applies its own apply_patch streamed by spark serve (scripted engine)', () => {
  let server: TestServer;
  let workspace: CodexWorkspace;

  before(async () => {
    server = await startTestServer({ engineOptions: { script }, apiKeys: [API_KEY] });
    workspace = await createCodexWorkspace(TEST_MODEL, 32_768);
  });
  after(async () => {
    await server?.server.close();
    await workspace?.dispose();
  });

  for (const transport of ['http', 'websocket'] as const) {
    void it(`over ${transport === 'http' ? 'HTTP+SSE' : 'the WebSocket mode'}`, { timeout: CODEX_TIMEOUT_MS + 30_000 }, async (t) => {
      const file = `made-${transport}.txt`;
      const before = seen.length;
      const run = await runCodexExec(workspace, {
        baseUrl: `${server.url}/v1`, model: TEST_MODEL, supportsWebsockets: transport === 'websocket', apiKey: API_KEY,
        prompt: `create ${file}`, timeoutMs: CODEX_TIMEOUT_MS, // Codex's workspace-write sandbox (Landlock, bubblewrap) cannot start in every CI container; the repo is a temp dir.
        sandbox: 'danger-full-access',
      });
      t.diagnostic(`codex exec ${run.durationMs} ms, exit ${String(run.exitCode)}`);
      assert.equal(run.exitCode, 0, `codex exec failed:\n${run.stderr.slice(-3000)}\n${run.stdout.slice(-3000)}`);
      if (process.env['SPARK_TEST_VERBOSE'] === '1') t.diagnostic(run.stdout + run.stderr);
      assert.equal(await readFile(join(workspace.repo, file), 'utf8'), 'made by the scripted model\nthrough Codex\'s apply_patch\n', 'Codex applied the streamed patch');
      const requests = seen.slice(before);
      const tool = requests[0]?.tools.find((entry) => entry.name === 'apply_patch');
      assert.ok(tool?.kind === 'custom' && tool.grammar?.syntax === 'lark', 'Codex offers apply_patch as a freeform tool with its Lark grammar');
      const answered = requests.flatMap((request) => request.conversation).find((item) => item.type === 'tool_result');
      assert.ok(answered, 'Codex answered the call in a later request');
      assert.match(answered.type === 'tool_result' ? answered.output : '', /Success|Add|A /, 'with apply_patch\'s own result');
      const call = requests.flatMap((request) => request.conversation).find((item) => item.type === 'tool_call');
      assert.equal(call?.type === 'tool_call' ? call.arguments : '', PATCH(file), 'the call comes back as the raw patch, no wrapper');
      const completed = run.events.some((event) => event['type'] === 'turn.completed');
      assert.ok(completed, 'the turn completed');
    });
  }
});
