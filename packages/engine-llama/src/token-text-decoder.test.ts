import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TokenTextDecoder, MAX_PENDING_TOKENS } from './token-text-decoder.js';

/** A byte-level fake tokenizer: each token is one UTF-8 byte. */
const bytes = (text: string): number[] => [...Buffer.from(text, 'utf8')];
const detokenize = (tokens: readonly number[]): string => Buffer.from(tokens).toString('utf8');

describe('TokenTextDecoder', () => {
  it('emits ASCII token by token', () => {
    const decoder = new TokenTextDecoder(detokenize);
    assert.deepEqual(bytes('hi!').map((token) => decoder.push(token)), ['h', 'i', '!']);
  });

  it('never emits half a multibyte character', () => {
    const decoder = new TokenTextDecoder(detokenize);
    const out = bytes('é🎉日').map((token) => decoder.push(token));
    assert.deepEqual(out.filter((text) => text !== ''), ['é', '🎉', '日']);
    assert.ok(out.every((text) => !text.includes('\uFFFD')));
  });

  it('gives up holding after MAX_PENDING_TOKENS (invalid bytes)', () => {
    const decoder = new TokenTextDecoder(detokenize);
    const out = Array.from({ length: MAX_PENDING_TOKENS }, () => decoder.push(0xf0));
    assert.ok(out.at(-1)?.includes('\uFFFD'));
    assert.equal(decoder.pendingTokens.length, 0);
  });

  it('flushes an incomplete tail at the end', () => {
    const decoder = new TokenTextDecoder(detokenize);
    const [first] = bytes('é');
    assert.equal(decoder.push(first ?? 0), '');
    assert.equal(decoder.pendingTokens.length, 1);
    assert.equal(decoder.flush(), '\uFFFD');
    assert.equal(decoder.flush(), '');
  });

  it('passes preceding tokens as context', () => {
    const seen: number[][] = [];
    const decoder = new TokenTextDecoder((tokens, last) => { seen.push([...last]); return detokenize(tokens); }, [1, 2]);
    decoder.push(65);
    decoder.push(66);
    assert.deepEqual(seen, [[1, 2], [1, 2, 65]]);
  });
});
