import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startTestServer, TEST_MODEL, type TestServer } from '@spark/server/testing';
import { EngineError, type EngineEvent } from '@spark/engine';
import { detectWireApi, discoverModels } from './discover-models.js';
import { openUpstreamEngine } from './open-upstream-engine.js';
import { UpstreamConfigError } from './upstream-config-error.js';
import { resolveUpstreams, upstreamsConfigSchema, type UpstreamProvider } from './upstream-provider.js';

const SECRET = 'sk-test-0123456789abcdef';

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof UpstreamConfigError);
    assert.ok(!error.message.includes(SECRET), 'a key is never echoed');
    return error.code;
  }
  return undefined;
}

void describe('upstream providers from flags and config', () => {
  void it('take a preset by name and its key from the environment', () => {
    const [cerebras] = resolveUpstreams(['cerebras'], [], {}, { CEREBRAS_API_KEY: SECRET });
    assert.deepEqual(cerebras, { name: 'cerebras', baseUrl: 'https://api.cerebras.ai/v1', api: 'chat', apiKey: SECRET, apiKeyEnv: 'CEREBRAS_API_KEY' });
    const [ollama] = resolveUpstreams(['ollama'], [], {}, {});
    assert.deepEqual(ollama, { name: 'ollama', baseUrl: 'http://127.0.0.1:11434/v1', api: 'chat' });
  });

  void it('make any OpenAI-compatible URL a provider, its wire API detected, its key from a named variable', () => {
    const [lab] = resolveUpstreams(['lab=http://gpu-box:8000/v1/'], ['lab=env:LAB_KEY'], {}, { LAB_KEY: SECRET });
    assert.deepEqual(lab, { name: 'lab', baseUrl: 'http://gpu-box:8000/v1', api: 'auto', apiKey: SECRET, apiKeyEnv: 'LAB_KEY' });
    const [vllm] = resolveUpstreams(['vllm=http://127.0.0.1:8001/v1'], [], { vllm: { models: ['qwen', { id: 'big', contextWindow: 65536 }] } }, {});
    assert.equal(vllm?.api, 'chat');
    assert.deepEqual(vllm?.models, [{ id: 'qwen' }, { id: 'big', contextWindow: 65536 }]);
  });

  void it('refuse what cannot work, with a message that says what to do and never the key', () => {
    assert.equal(codeOf(() => resolveUpstreams(['openai'], [], {}, {})), 'missing_api_key');
    assert.equal(codeOf(() => resolveUpstreams(['lab=http://x/v1'], ['lab=env:NOPE'], {}, {})), 'missing_api_key');
    assert.equal(codeOf(() => resolveUpstreams(['vllm'], [], {}, {})), 'invalid_upstream');
    assert.equal(codeOf(() => resolveUpstreams(['Bad Name=http://x'], [], {}, {})), 'invalid_upstream');
    assert.equal(codeOf(() => resolveUpstreams(['lab=ftp://x'], [], {}, {})), 'invalid_upstream');
    assert.equal(codeOf(() => resolveUpstreams([`lab=http://user:${SECRET}@x/v1`], [], {}, {})), 'invalid_upstream');
    assert.equal(codeOf(() => resolveUpstreams(['lab=http://x/v1'], [`lab=${SECRET}`], {}, {})), 'invalid_upstream');
    assert.equal(codeOf(() => resolveUpstreams([], ['ghost=env:X'], {}, {})), 'invalid_upstream');
  });

  void it('take timeouts, retries and prediction passing per provider from the config file, and refuse nonsense there', () => {
    const config = upstreamsConfigSchema.parse({ lab: { baseUrl: 'http://gpu-box:8000/v1', sendPrediction: true, limits: { maxAttempts: 1, idleTimeoutMs: 5000 } } });
    const [lab] = resolveUpstreams(['lab'], [], config, {});
    assert.deepEqual(lab?.limits, { maxAttempts: 1, idleTimeoutMs: 5000 });
    assert.equal(lab?.sendPrediction, true);
    assert.equal(upstreamsConfigSchema.safeParse({ lab: { limits: { maxAttempts: 0 } } }).success, false);
    assert.equal(upstreamsConfigSchema.safeParse({ lab: { limits: { connectTimeoutMs: -1 } } }).success, false);
    assert.equal(upstreamsConfigSchema.safeParse({ lab: { limits: { retries: 2 } } }).success, false, 'an unknown limit is a typo, not ignored');
  });
});

void describe('a provider\'s own limits reach its engine', () => {
  let server: Server;
  let url: string;
  let posts = 0;
  before(async () => {
    // Answers 503 to the first post of each pair, then streams one chunk (llama-server's shape) and falls silent.
    server = createServer((req, res) => {
      req.resume();
      posts += 1;
      if (posts % 2 === 1) {
        res.writeHead(503, { 'content-type': 'application/json' }).end('{"error":{"message":"loading model","type":"unavailable_error","code":503}}');
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: {"choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":null}],"object":"chat.completion.chunk"}\n\n');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  async function run(provider: UpstreamProvider): Promise<{ events: EngineEvent[]; error: unknown }> {
    const { engine } = await openUpstreamEngine(provider);
    const events: EngineEvent[] = [];
    try {
      for await (const event of engine.generate({
        model: 'lab/m', conversation: [{ type: 'user', text: 'hi' }], tools: [], toolChoice: { type: 'auto' }, parallelToolCalls: false,
        outputFormat: { type: 'text' }, sampling: { temperature: 0 }, signal: new AbortController().signal,
      })) events.push(event);
      return { events, error: undefined };
    } catch (error) {
      return { events, error };
    } finally {
      await engine.dispose();
    }
  }

  void it('one attempt means a 503 is not retried; a short idle timeout cuts a silent stream', async () => {
    const base = { name: 'lab', baseUrl: url, api: 'chat' as const, models: [{ id: 'm' }] };
    posts = 0;
    const once = await run({ ...base, limits: { maxAttempts: 1 } });
    assert.ok(EngineError.is(once.error), 'the 503 reaches the caller');
    assert.equal(posts, 1, 'no second attempt');
    posts = 0;
    const started = performance.now();
    const silent = await run({ ...base, limits: { retryBaseMs: 1, idleTimeoutMs: 200 } });
    assert.equal(posts, 2, 'the default retries the 503 once it is allowed more attempts');
    assert.ok(silent.events.some((event) => event.type === 'text-delta'), 'the chunk before the silence arrives');
    assert.ok(EngineError.is(silent.error) && /idle for 200 ms/.test(silent.error.message), String(silent.error));
    assert.ok(performance.now() - started < 60_000, 'cut by the provider\'s limit, not the default two minutes');
  });
});

void describe('model discovery and wire detection over real sockets', () => {
  let spark: TestServer;
  let vllm: Server;
  let vllmUrl: string;
  const seenKeys: Array<string | undefined> = [];
  before(async () => {
    spark = await startTestServer();
    // vLLM's `/v1/models` shape (vllm/entrypoints/openai/protocol.py ModelCard: max_model_len); no Responses route.
    vllm = createServer((req, res) => {
      seenKeys.push(req.headers.authorization);
      if (req.headers.authorization !== `Bearer ${SECRET}`) {
        res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'Unauthorized', type: 'invalid_request_error', param: null, code: null } }));
      } else if (req.method === 'GET' && req.url === '/v1/models') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({
          object: 'list', data: [{ id: 'Qwen/Qwen2.5-Coder-7B', object: 'model', created: 1, owned_by: 'vllm', root: 'Qwen/Qwen2.5-Coder-7B', parent: null, max_model_len: 32768, permission: [] }],
        }));
      } else {
        res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ detail: 'Not Found' }));
      }
    });
    await new Promise<void>((resolve) => vllm.listen(0, '127.0.0.1', resolve));
    vllmUrl = `http://127.0.0.1:${(vllm.address() as AddressInfo).port}/v1`;
  });
  after(async () => {
    await spark.server.close();
    await new Promise<void>((resolve) => vllm.close(() => resolve()));
  });

  void it('reads a Spark server: its models with context_window, and Responses as its wire', async () => {
    const provider: UpstreamProvider = { name: 'spark', baseUrl: `${spark.url}/v1`, api: 'auto', apiKey: 'test-key' };
    const models = await discoverModels(provider);
    assert.equal(models[0]?.id, TEST_MODEL);
    assert.ok((models[0]?.contextWindow ?? 0) > 0);
    assert.equal(await detectWireApi(provider), 'responses');
  });

  void it('reads a vLLM server: max_model_len as the window, Chat Completions as its wire, the key sent as a bearer', async () => {
    const provider: UpstreamProvider = { name: 'vllm', baseUrl: vllmUrl, api: 'auto', apiKey: SECRET, apiKeyEnv: 'VLLM_API_KEY' };
    assert.deepEqual(await discoverModels(provider), [{ id: 'Qwen/Qwen2.5-Coder-7B', contextWindow: 32768 }]);
    assert.equal(await detectWireApi(provider), 'chat');
    assert.ok(seenKeys.every((key) => key === `Bearer ${SECRET}`));
  });

  void it('says which variable to check when the key is refused, and when nothing answers', async () => {
    await assert.rejects(discoverModels({ name: 'vllm', baseUrl: vllmUrl, api: 'chat', apiKey: 'wrong', apiKeyEnv: 'VLLM_API_KEY' }), (error: unknown) => {
      assert.ok(error instanceof UpstreamConfigError && error.code === 'upstream_unreachable');
      assert.match(error.message, /401.*VLLM_API_KEY/);
      return true;
    });
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await assert.rejects(discoverModels({ name: 'gone', baseUrl: `http://127.0.0.1:${port}/v1`, api: 'chat' }), /Upstream 'gone' at .* is unreachable/);
  });

  void it('uses configured models without asking the provider', async () => {
    assert.deepEqual(await discoverModels({ name: 'x', baseUrl: 'http://127.0.0.1:1/v1', api: 'chat', models: [{ id: 'm' }] }), [{ id: 'm' }]);
  });
});
