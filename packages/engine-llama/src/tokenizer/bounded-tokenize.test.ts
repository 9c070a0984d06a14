import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LlamaText, SpecialToken, type Token, type Tokenizer } from 'node-llama-cpp';
import { boundedTokenize, COUNT_CHUNK_CHARS, EXACT_CHARS_PER_TOKEN, minTokens } from './bounded-tokenize.js';

interface Call { text: string; special: boolean | 'builtin' | undefined; options: string | undefined }

/** A stand-in vocabulary: one token per `charsPerToken` characters; records every call. */
function fakeTokenizer(charsPerToken: number): { tokenizer: Tokenizer; calls: Call[] } {
  const calls: Call[] = [];
  const tokenize = (text: string, special?: boolean | 'builtin', options?: 'trimLeadingSpace'): Token[] => {
    calls.push({ text, special, options });
    if (special === 'builtin') return [0 as Token];
    return Array.from({ length: Math.ceil(text.length / charsPerToken) }, () => 1 as Token);
  };
  const tokenizer = Object.assign(tokenize as Tokenizer, {
    detokenize: () => '',
    isSpecialToken: () => false,
    isEogToken: () => false,
  });
  return { tokenizer, calls };
}

describe('boundedTokenize', () => {
  it('tokenizes a text that may fit in one exact call per plain-text run', () => {
    const { tokenizer, calls } = fakeTokenizer(1);
    const text = LlamaText([new SpecialToken('BOS'), 'hello world']);
    const result = boundedTokenize(text, tokenizer, 16, { trimLeadingSpace: false, maxTokens: 100 });
    assert.equal(result.kind, 'tokens');
    assert.deepEqual(calls.filter((call) => call.special !== 'builtin').map((call) => call.text), ['', 'hello world']);
  });

  it('refuses from the byte length alone when no tokenization can fit', () => {
    const { tokenizer, calls } = fakeTokenizer(1);
    const result = boundedTokenize(LlamaText('é'.repeat(1000)), tokenizer, 4, { trimLeadingSpace: false, maxTokens: 100 });
    // 2,000 UTF-8 bytes, at most 4 per token.
    assert.deepEqual(result, { kind: 'exceeded', atLeast: 500 });
    assert.equal(calls.length, 0);
  });

  it('counts a likely overflow chunk by chunk and stops at the limit', () => {
    const { tokenizer, calls } = fakeTokenizer(1);
    const maxTokens = 1000;
    const text = LlamaText('x'.repeat(maxTokens * EXACT_CHARS_PER_TOKEN * 20));
    const result = boundedTokenize(text, tokenizer, 1_000_000, { trimLeadingSpace: false, maxTokens });
    assert.equal(result.kind, 'exceeded');
    assert.equal(calls.length, 1, 'one chunk was enough to see the overflow');
    assert.equal(calls[0]?.text.length, COUNT_CHUNK_CHARS);
  });

  it('splits counted chunks at line breaks, continuing each as text that follows text', () => {
    const { tokenizer, calls } = fakeTokenizer(10);
    const line = `${'y'.repeat(99)}\n`;
    const text = line.repeat(Math.ceil((COUNT_CHUNK_CHARS * 3) / line.length));
    const maxTokens = Math.floor(text.length / EXACT_CHARS_PER_TOKEN) - 1;
    const result = boundedTokenize(LlamaText(text), tokenizer, 1_000_000, { trimLeadingSpace: false, maxTokens });
    assert.equal(result.kind, 'tokens');
    assert.ok(calls.length >= 3);
    assert.equal(calls.map((call) => call.text).join(''), text);
    for (const call of calls.slice(1)) {
      assert.equal(call.options, 'trimLeadingSpace');
      assert.ok(call.text.startsWith('\n'), 'a chunk begins at a line break');
    }
  });

  it('never cuts a surrogate pair', () => {
    const { tokenizer, calls } = fakeTokenizer(1);
    const text = `${'a'.repeat(COUNT_CHUNK_CHARS - 1)}${'😀'.repeat(COUNT_CHUNK_CHARS)}`;
    boundedTokenize(LlamaText(text), tokenizer, 1_000_000, { trimLeadingSpace: true, maxTokens: Math.floor(text.length / EXACT_CHARS_PER_TOKEN) - 1 });
    const first = calls[0]?.text ?? '';
    assert.equal(first.length, COUNT_CHUNK_CHARS + 1);
    assert.equal(first.at(-1), '😀'.at(-1));
    assert.equal(calls[0]?.options, 'trimLeadingSpace');
  });

  it('bounds the count from below by bytes over the longest token', () => {
    assert.equal(minTokens(LlamaText(['abcd', new SpecialToken('EOS'), 'efgh']), 2), 4);
  });
});
