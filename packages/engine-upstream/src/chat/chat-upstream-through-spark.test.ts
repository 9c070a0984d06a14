// A Spark server in front of a Chat Completions upstream: the official `openai` SDK's
// `responses.create` stream against `spark serve` over ChatUpstreamEngine over the replay server
// (vLLM's and SGLang's recorded streams), to show the Responses events that come out.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '@spark/server/testing';
import { startChatReplayServer, type ChatReplayServer } from '../testing/chat-replay-server.js';
import { ChatUpstreamEngine } from './chat-upstream-engine.js';

const TOOLS = [{ type: 'function' as const, name: 'get_weather', strict: false, parameters: { type: 'object', properties: { city: { type: 'string' } } } }];

void describe('Spark in front of a Chat Completions upstream', () => {
  let replay: ChatReplayServer;
  const servers: TestServer[] = [];
  before(async () => { replay = await startChatReplayServer(); });
  after(async () => {
    for (const server of servers) await server.server.close();
    await replay.close();
  });

  async function spark(server: string, caseName: string): Promise<TestServer> {
    const engine = new ChatUpstreamEngine({ name: 'up', baseUrl: replay.baseUrl(server, caseName), models: ['m'] });
    const t = await startTestServer({ wrapEngine: () => engine });
    servers.push(t);
    return t;
  }

  async function eventsOf(t: TestServer, input: string): Promise<Array<Record<string, unknown>>> {
    const stream = await t.client.responses.create({ model: 'up/m', input, tools: TOOLS, stream: true });
    const events: Array<Record<string, unknown>> = [];
    for await (const event of stream) events.push(event as unknown as Record<string, unknown>);
    return events;
  }

  void it('a streamed tool call (vLLM) comes out as function_call events, the calls whole at the end', async () => {
    const events = await eventsOf(await spark('vllm', 'tool_streamed'), 'weather in Paris and Oslo?');
    const types = events.map((event) => event['type']);
    assert.deepEqual(types.filter((type) => type !== 'response.function_call_arguments.delta'), [
      'response.created', 'response.in_progress',
      'response.output_item.added', 'response.function_call_arguments.done', 'response.output_item.done',
      'response.output_item.added', 'response.function_call_arguments.done', 'response.output_item.done',
      'response.completed',
    ]);
    const completed = events.at(-1)?.['response'] as { output: Array<{ type: string; name: string; arguments: string; call_id: string }>; usage: { input_tokens: number } };
    assert.deepEqual(completed.output.map((item) => [item.type, item.name, JSON.parse(item.arguments) as unknown]), [
      ['function_call', 'get_weather', { city: 'Paris' }], ['function_call', 'get_weather', { city: 'Oslo' }],
    ]);
    assert.equal(completed.output[0]?.call_id, 'chatcmpl-tool-5b2e8c1f0a9d4e7b');
    assert.equal(completed.usage.input_tokens, 120);
    // Spark kept the conversation: the upstream got the whole history, as Chat Completions messages.
    assert.deepEqual((replay.received.at(-1)?.body as { messages: unknown }).messages, [{ role: 'user', content: 'weather in Paris and Oslo?' }]);
  });

  void it('reasoning (SGLang reasoning_content) comes out as a reasoning item before the message', async () => {
    const events = await eventsOf(await spark('sglang', 'reasoning'), '9.11 or 9.8?');
    const types = events.map((event) => event['type']);
    assert.ok(types.includes('response.reasoning_text.delta'));
    const completed = events.at(-1)?.['response'] as { output: Array<{ type: string; content: Array<{ text: string }> }>; status: string };
    assert.equal(completed.status, 'completed');
    assert.deepEqual(completed.output.map((item) => item.type), ['reasoning', 'message']);
    assert.equal(completed.output[0]?.content[0]?.text, 'Compare 9.11 and 9.8.');
    assert.equal(completed.output[1]?.content[0]?.text, '9.8 is greater.');
  });

  void it('a length stop is an incomplete response; a cut stream a failed one; a 429 keeps its Retry-After', async () => {
    const length = await eventsOf(await spark('cerebras', 'length'), 'count');
    const incomplete = length.at(-1) as { type: string; response: { incomplete_details: { reason: string } } };
    assert.equal(incomplete.type, 'response.incomplete');
    assert.equal(incomplete.response.incomplete_details.reason, 'max_output_tokens');

    const cut = await eventsOf(await spark('ollama', 'cut'), 'x');
    assert.equal(cut.at(-1)?.['type'], 'response.failed');

    const limited = await spark('llama-server', 'rate_limited');
    const res = await fetch(`${limited.baseUrl}/responses`, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer test-key' }, body: JSON.stringify({ model: 'up/m', input: 'x', stream: true }),
    });
    assert.equal(res.status, 429);
    assert.equal(res.headers.get('retry-after'), '7');
  });
});
