import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chatCompletionRequestSchema, chatContentText } from './chat-request-schema.js';
import { chatCompletionChunkSchema, chatCompletionSchema, chatErrorMessage } from './chat-response-schema.js';

void describe('Chat Completions schemas', () => {
  void it('parse a request as the SDK writes it, extra fields kept, and refuse a bad one', () => {
    const request = chatCompletionRequestSchema.parse({
      model: 'm', stream: true, stream_options: { include_usage: true }, user: 'u', logit_bias: {},
      messages: [
        { role: 'developer', content: 'Be brief.' },
        { role: 'user', content: [{ type: 'text', text: 'Hi' }, { type: 'text', text: ' there' }] },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{}' } }] },
        { role: 'tool', tool_call_id: 'call_1', content: '42' },
      ],
      tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }],
      tool_choice: { type: 'function', function: { name: 'f' } },
      response_format: { type: 'json_schema', json_schema: { name: 'out', schema: { type: 'object' }, strict: true } },
    });
    assert.equal(request['logit_bias'] !== undefined, true);
    const user = request.messages[1];
    assert.ok(user?.role === 'user' && Array.isArray(user.content));
    assert.equal(chatContentText(user.content.flatMap((part) => (part.type === 'text' ? [part as { type: string; text: string }] : []))), 'Hi there');
    assert.equal(chatCompletionRequestSchema.safeParse({ model: 'm', messages: [] }).success, false);
    assert.equal(chatCompletionRequestSchema.safeParse({ model: 'm', messages: [{ role: 'tool', content: 'x' }] }).success, false);
  });

  void it('read chunks as OpenAI, vLLM and Ollama stream them, and a whole completion', () => {
    // OpenAI API reference, "The chat completion chunk object" (streamed tool call).
    const openai = chatCompletionChunkSchema.parse({
      id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'gpt', system_fingerprint: 'fp',
      choices: [{ index: 0, delta: { role: 'assistant', content: null, tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'f', arguments: '' } }] }, logprobs: null, finish_reason: null }],
    });
    assert.equal(openai.choices[0]?.delta.tool_calls?.[0]?.function?.name, 'f');
    // vLLM: reasoning_content deltas and `usage: null` on every chunk.
    const vllm = chatCompletionChunkSchema.parse({
      id: 'chatcmpl-2', object: 'chat.completion.chunk', created: 1, model: 'q', usage: null,
      choices: [{ index: 0, delta: { reasoning_content: 'Think' }, finish_reason: null }],
    });
    assert.equal(vllm.choices[0]?.delta.reasoning_content, 'Think');
    // The usage chunk of include_usage: no choices.
    const usage = chatCompletionChunkSchema.parse({
      id: 'chatcmpl-2', object: 'chat.completion.chunk', created: 1, model: 'q', choices: [],
      usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7, prompt_tokens_details: { cached_tokens: 4 } },
    });
    assert.equal(usage.usage?.prompt_tokens_details?.cached_tokens, 4);
    const whole = chatCompletionSchema.parse({
      id: 'chatcmpl-3', object: 'chat.completion', created: 1, model: 'q',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Hi', reasoning: 'brief' }, finish_reason: 'length' }],
    });
    assert.equal(whole.choices[0]?.finish_reason, 'length');
  });

  void it('find the message in the error bodies servers send', () => {
    assert.equal(chatErrorMessage({ error: { message: 'Rate limit', type: 'rate_limit_error', param: null, code: null } }), 'Rate limit');
    assert.equal(chatErrorMessage({ error: 'model "x" not found' }), 'model "x" not found');
    assert.equal(chatErrorMessage({ message: 'busy' }), 'busy');
    assert.equal(chatErrorMessage('nope'), undefined);
  });
});
