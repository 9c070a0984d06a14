// End to end with real third-party Chat Completions clients from the npm registry: OpenCode
// (`opencode run`) and Qwen Code (`qwen --yolo`) each complete a headless, tool-using turn
// against Spark's `/v1/chat/completions`.
// The server runs the scripted engine, scripted to answer the client's requests the way a model
// would (a title, then a `write` tool call, then an answer), so the test checks the wire, not a
// model's whims. A recording proxy between client and server witnesses what the client sent.
// The client is installed once per machine into ~/.cache/spark/test-clients; when it cannot be
// installed (no registry) the test is skipped with the reason, never passed.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import type { GenerateRequest, ScriptStep } from '@spark/engine';
import { startTestServer } from '@spark/server/testing';
import { installNpmTestClient, type NpmTestClient } from './testing/npm-test-client.js';
import { isRecord, startRecordingProxy, type HttpExchange } from './testing/recording-proxy.js';
import { isolatedClientEnv, runTestClient } from './testing/run-test-client.js';

const OPENCODE: NpmTestClient = { packageName: 'opencode-ai', version: '1.18.33', bin: 'opencode' };
/** 0.15.10: the last line we checked that runs on Node 20 (0.24 wants Node 22). */
const QWEN_CODE: NpmTestClient = { packageName: '@qwen-code/qwen-code', version: '0.15.10', bin: 'qwen' };
const MODEL = 'spark-scripted';
/** Qwen Code's system prompt and 15 tool schemas outgrow the scripted engine's default 4096 "tokens". */
const CONTEXT_SIZE = 131_072;
/** A whole headless run takes seconds; the deadline only stops a hung client. */
const CLIENT_TIMEOUT_MS = 90_000;
const INSTALL_AND_RUN_TIMEOUT_MS = 360_000;

const FILE_NAME = 'hello.txt';
const FILE_CONTENT = 'hello from spark\n';
const PROMPT = `Create ${FILE_NAME} containing the words: hello from spark`;
const TITLE = 'Spark writes hello';
const ANSWER = 'Created hello.txt through Spark.';

/** How one client names its file-writing tool and that tool's arguments. */
interface WriteTool {
  name: string;
  arguments: (filePath: string) => Record<string, unknown>;
}

/**
 * Plays a model for an agent client: a request without tools (OpenCode's title request, Qwen
 * Code's history summary) gets a title; a tool-using turn calls the client's write tool for
 * `filePath`, and once the tool's result is back, the answer. A request that lacks the tool gets
 * a text that makes the test fail.
 */
function writeFileScript(tool: WriteTool, filePath: string): (request: GenerateRequest) => readonly ScriptStep[] {
  return (request) => {
    if (request.tools.length === 0) return [{ type: 'text', text: TITLE }];
    if (request.conversation.at(-1)?.type === 'tool_result') return [{ type: 'text', text: ANSWER }];
    if (!request.tools.some((offered) => offered.name === tool.name)) return [{ type: 'text', text: `no ${tool.name} tool offered` }];
    return [{ type: 'tool_call', name: tool.name, arguments: JSON.stringify(tool.arguments(filePath)) }];
  };
}

/** One client's run: how to configure and start it, and what it sends that the test pins down. */
interface ClientCase {
  client: NpmTestClient;
  tool: WriteTool;
  /** Writes the client's config (project folder or home) and returns its argv and extra env. */
  prepare: (paths: { workspace: string; home: string; baseURL: string }) => Promise<{ args: string[]; env: Record<string, string> }>;
  /** `tool_choice` on tool-using requests: OpenCode sends `auto`, Qwen Code none. */
  toolChoice: string | undefined;
}

const CASES: readonly ClientCase[] = [
  {
    client: OPENCODE,
    tool: { name: 'write', arguments: (filePath) => ({ filePath, content: FILE_CONTENT }) },
    prepare: async ({ workspace, baseURL }) => {
      await writeOpenCodeConfig(workspace, baseURL);
      return { args: ['run', PROMPT], env: { OPENCODE_DISABLE_MODELS_FETCH: '1', OPENCODE_DISABLE_AUTOUPDATE: '1' } };
    },
    toolChoice: 'auto',
  },
  {
    client: QWEN_CODE,
    tool: { name: 'write_file', arguments: (filePath) => ({ file_path: filePath, content: FILE_CONTENT }) },
    prepare: async ({ home, baseURL }) => {
      await mkdir(join(home, '.qwen'), { recursive: true });
      await writeFile(join(home, '.qwen', 'settings.json'), `${JSON.stringify({ privacy: { usageStatisticsEnabled: false } })}\n`);
      return { args: ['--yolo', PROMPT], env: { OPENAI_BASE_URL: baseURL, OPENAI_API_KEY: 'spark-test-key', OPENAI_MODEL: MODEL } };
    },
    toolChoice: undefined,
  },
];

void describe('third-party Chat Completions clients against spark serve', () => {
  for (const testCase of CASES) {
    const { client } = testCase;
    void it(`${client.packageName} ${client.version}: one headless prompt writes a file through a streamed tool call and prints the answer`, { timeout: INSTALL_AND_RUN_TIMEOUT_MS }, async (t) => {
      const install = await installNpmTestClient(client);
      if (!install.installed) {
        t.skip(install.reason);
        return;
      }
      t.diagnostic(`${client.bin} at ${install.binPath}${install.cached ? ' (cached)' : ' (installed now)'}`);
      await runWriteFileTurn(t, testCase, install.binPath);
    });
  }
});

async function runWriteFileTurn(t: TestContext, testCase: ClientCase, binPath: string): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), `spark-${testCase.client.bin}-`));
  // OpenCode refuses writes outside its project folder in `run` mode: the file goes in its cwd.
  const workspace = join(root, 'project');
  const home = join(root, 'home');
  const target = join(workspace, FILE_NAME);
  await mkdir(workspace, { recursive: true });
  const server = await startTestServer({ engineOptions: { models: [MODEL], contextSize: CONTEXT_SIZE, script: writeFileScript(testCase.tool, target) } });
  const proxy = await startRecordingProxy(server.url);
  try {
    const prepared = await testCase.prepare({ workspace, home, baseURL: `${proxy.url}/v1` });
    const env = await isolatedClientEnv(home, prepared.env);
    const run = await runTestClient(binPath, prepared.args, { cwd: workspace, env, timeoutMs: CLIENT_TIMEOUT_MS });
    const posts = proxy.http('POST', '/v1/chat/completions');
    report(t, run.stdout, run.stderr, posts);

    assert.equal(run.timedOut, false, `${testCase.client.bin} hung`);
    assert.equal(run.code, 0, `${testCase.client.bin} failed: ${run.stderr.slice(-2_000)}`);
    assert.ok(run.stdout.includes(ANSWER), `the model's answer is in the client's output: ${run.stdout}`);
    assert.equal(await readFile(target, 'utf8'), FILE_CONTENT, 'the client ran the write tool the model called');

    // What the client sent: streamed requests ask for usage; the turn offers tools.
    for (const post of posts) {
      assert.equal(post.status, 200, `answered ${post.status}: ${post.responseBody.slice(0, 500)}`);
      const body = parseBody(post);
      assert.equal(body['model'], MODEL);
      if (body['stream'] !== true) continue;
      assert.deepEqual(body['stream_options'], { include_usage: true });
      // A side request (OpenCode's title) may be left behind when the client exits; the turns may not.
      if (post.finished || Array.isArray(body['tools'])) assertStreamedWithUsage(post);
    }
    const toolTurns = posts.map(parseBody).filter((body) => Array.isArray(body['tools']));
    assert.ok(toolTurns.length >= 2, `the tool call and the answer were tool-enabled requests (${posts.length} request(s) in all)`);
    for (const body of toolTurns) {
      assert.equal(body['stream'], true, 'an agent turn streams');
      assert.equal(body['tool_choice'], testCase.toolChoice);
      assert.ok(toolNames(body).includes(testCase.tool.name), `tools offered: ${toolNames(body).join(', ')}`);
    }

    // The call Spark streamed came back as an assistant tool_calls message and a tool message.
    const callId = streamedToolCallIds(posts).at(0);
    assert.ok(callId !== undefined, 'Spark streamed a tool call');
    const followUp = toolTurns.find((body) => messages(body).some((message) => message['role'] === 'tool' && message['tool_call_id'] === callId));
    assert.ok(followUp, `no request carried the result of ${callId}`);
    const echoed = messages(followUp).find((message) => message['role'] === 'assistant' && Array.isArray(message['tool_calls']));
    assert.ok(echoed, 'the assistant turn with the call is sent back');

    // The engine saw it as a tool result whose text is the client's, whatever shape it was sent in.
    const result = server.engine.requests.flatMap((request) => request.conversation).find((item) => item.type === 'tool_result' && item.callId === callId);
    assert.ok(result?.type === 'tool_result', 'the tool result reached the engine');
    assert.ok(result.output.length > 0 && !result.output.startsWith('['), `the tool result is plain text: ${result.output}`);
    assert.deepEqual(server.logged, [], 'the server logged no warning or error');
  } finally {
    await proxy.close();
    await server.server.close();
    await rm(root, { recursive: true, force: true });
  }
}

/** OpenCode's project config: Spark as an `@ai-sdk/openai-compatible` provider, nothing fetched. */
async function writeOpenCodeConfig(workspace: string, baseURL: string): Promise<void> {
  const config = {
    $schema: 'https://opencode.ai/config.json',
    provider: {
      spark: {
        npm: '@ai-sdk/openai-compatible',
        name: 'Spark',
        options: { baseURL, apiKey: 'spark-test-key' },
        models: { [MODEL]: { name: MODEL, tool_call: true } },
      },
    },
    model: `spark/${MODEL}`,
    autoupdate: false,
    share: 'disabled',
  };
  await writeFile(join(workspace, 'opencode.json'), `${JSON.stringify(config, null, 2)}\n`);
}

function parseBody(exchange: HttpExchange): Record<string, unknown> {
  const parsed = JSON.parse(exchange.requestBody) as unknown;
  assert.ok(isRecord(parsed), 'a JSON object body');
  return parsed;
}

function messages(body: Record<string, unknown>): Array<Record<string, unknown>> {
  return Array.isArray(body['messages']) ? body['messages'].filter(isRecord) : [];
}

function toolNames(body: Record<string, unknown>): string[] {
  const tools = Array.isArray(body['tools']) ? body['tools'].filter(isRecord) : [];
  return tools.map((tool) => (isRecord(tool['function']) ? String(tool['function']['name']) : String(tool['type'])));
}

/** The `data:` payloads of an SSE answer, `[DONE]` included as the string. */
function sseData(exchange: HttpExchange): unknown[] {
  return exchange.responseBody.split(/\r?\n/).filter((line) => line.startsWith('data: ')).map((line) => {
    const data = line.slice('data: '.length);
    return data === '[DONE]' ? data : (JSON.parse(data) as unknown);
  });
}

/** A finished stream: chunks, then one usage chunk with no choices, then `[DONE]`. */
function assertStreamedWithUsage(exchange: HttpExchange): void {
  assert.ok(exchange.finished, 'the stream ended');
  const data = sseData(exchange);
  assert.equal(data.at(-1), '[DONE]');
  const usageChunk = data.at(-2);
  assert.ok(isRecord(usageChunk) && Array.isArray(usageChunk['choices']) && usageChunk['choices'].length === 0, 'include_usage: a last chunk with no choices');
  assert.ok(isRecord(usageChunk['usage']) && typeof usageChunk['usage']['total_tokens'] === 'number', 'with usage');
}

function streamedToolCallIds(posts: readonly HttpExchange[]): string[] {
  const ids: string[] = [];
  for (const post of posts) {
    for (const chunk of sseData(post)) {
      if (!isRecord(chunk) || !Array.isArray(chunk['choices'])) continue;
      for (const choice of chunk['choices'].filter(isRecord)) {
        const delta = choice['delta'];
        if (!isRecord(delta) || !Array.isArray(delta['tool_calls'])) continue;
        for (const call of delta['tool_calls'].filter(isRecord)) if (typeof call['id'] === 'string') ids.push(call['id']);
      }
    }
  }
  return ids;
}

/** What crossed the wire, in the test's log: the client's request shapes and its output. */
function report(t: TestContext, stdout: string, stderr: string, posts: readonly HttpExchange[]): void {
  for (const post of posts) {
    let body: Record<string, unknown> = {};
    try { body = parseBody(post); } catch { /* reported as unreadable below */ }
    const keys = Object.keys(body).sort().join(',');
    t.diagnostic(`POST ${post.path} -> ${post.status}: keys ${keys}; ${messages(body).map((message) => String(message['role'])).join('>')}; tools ${toolNames(body).length}`);
  }
  t.diagnostic(`stdout: ${stdout.trim().slice(-500)}`);
  if (stderr.trim() !== '') t.diagnostic(`stderr: ${stderr.trim().slice(-500)}`);
}
