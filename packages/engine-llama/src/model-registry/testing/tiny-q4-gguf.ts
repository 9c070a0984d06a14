import type { GgufValue } from '../gguf-file.js';
import { f32ToF16 } from '../float16.js';
import { GGML_TYPE } from '../ggml-type.js';
import { Q4_K_BLOCK_BYTES } from '../k-quant-blocks.js';
import { Q4_1_BLOCK_BYTES } from '../q4-blocks.js';
import type { TestGguf, TestTensor } from './build-gguf.js';

/** Metadata with every value type, nested and empty arrays, and non-ASCII strings. */
export const TEST_METADATA: readonly (readonly [string, GgufValue])[] = [
  ['general.architecture', { type: 'string', value: 'llama' }],
  ['general.name', { type: 'string', value: 'tiny ✓ 模型' }],
  ['general.file_type', { type: 'uint32', value: 3 }],
  ['test.u8', { type: 'uint8', value: 250 }],
  ['test.i8', { type: 'int8', value: -7 }],
  ['test.u16', { type: 'uint16', value: 65000 }],
  ['test.i16', { type: 'int16', value: -32000 }],
  ['test.i32', { type: 'int32', value: -2_000_000_000 }],
  ['test.f32', { type: 'float32', value: 0.15625 }],
  ['test.f64', { type: 'float64', value: Math.PI }],
  ['test.u64', { type: 'uint64', value: 2n ** 60n + 1n }],
  ['test.i64', { type: 'int64', value: -(2n ** 62n) }],
  ['test.yes', { type: 'bool', value: true }],
  ['test.no', { type: 'bool', value: false }],
  ['tokenizer.ggml.tokens', { type: 'array', itemType: 'string', items: ['<s>', 'a', 'Ġb', '✓', ''].map((value) => ({ type: 'string', value })) }],
  ['tokenizer.ggml.token_type', { type: 'array', itemType: 'int32', items: [3, 1, 1, 1, 6].map((value) => ({ type: 'int32', value })) }],
  ['tokenizer.ggml.scores', { type: 'array', itemType: 'float32', items: [0, -1.5, -2.25].map((value) => ({ type: 'float32', value })) }],
  [
    'test.nested',
    {
      type: 'array',
      itemType: 'array',
      items: [
        { type: 'array', itemType: 'uint8', items: [{ type: 'uint8', value: 1 }, { type: 'uint8', value: 2 }] },
        { type: 'array', itemType: 'string', items: [] },
      ],
    },
  ],
  ['test.empty', { type: 'array', itemType: 'uint64', items: [] }],
];

/** A deterministic stream of 24-bit pseudo-random integers. */
function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state >>> 8;
  };
}

/**
 * Deterministic blocks of `blockBytes` bytes: a realistic f16 scale d (0.001..0.05), a second f16
 * of up to 8 d (its sign bit set to `secondSign`), then random bytes.
 */
function scaledBlocks(blocks: number, blockBytes: number, seed: number, secondSign: 0 | 0x8000): Uint8Array {
  const next = lcg(seed);
  const bytes = new Uint8Array(blocks * blockBytes);
  for (let b = 0; b < blocks; b += 1) {
    const at = b * blockBytes;
    const dValue = 0.001 + (next() % 1000) / 20_000;
    const d = f32ToF16(dValue);
    const second = f32ToF16(((next() % 1000) / 1000) * 8 * dValue) | secondSign;
    bytes.set([d & 0xff, d >>> 8, second & 0xff, second >>> 8], at);
    for (let i = 4; i < blockBytes; i += 1) bytes[at + i] = next() & 0xff;
  }
  return bytes;
}

/** Deterministic Q4_1 blocks with realistic scales (d ~ 0.001..0.05, m ~ -8 d..0). */
export function q4_1Blocks(blocks: number, seed: number): Uint8Array {
  return scaledBlocks(blocks, Q4_1_BLOCK_BYTES, seed, 0x8000);
}

/** Deterministic Q4_K super-blocks: realistic d and dmin (as q4_1Blocks' d and -m), random packed scales and nibbles. */
export function q4_KBlocks(blocks: number, seed: number): Uint8Array {
  return scaledBlocks(blocks, Q4_K_BLOCK_BYTES, seed, 0);
}

/** Bytes of a tensor of `count` little-endian f32 values. */
export function f32Bytes(count: number): Uint8Array {
  const values = new Float32Array(count);
  for (let i = 0; i < count; i += 1) values[i] = Math.sin(i) * 3;
  return new Uint8Array(values.buffer);
}

/** Two Q4_1 matrices around an odd-sized F32 vector (so padding matters) and a Q8_0 tensor. */
export function tinyQ4Gguf(overrides: Partial<TestGguf> = {}): TestGguf {
  const tensors: TestTensor[] = [
    { name: 'blk.0.attn_q.weight', dims: [64, 3], type: GGML_TYPE.Q4_1, data: q4_1Blocks(6, 1) },
    { name: 'blk.0.attn_norm.weight', dims: [7], type: GGML_TYPE.F32, data: f32Bytes(7) },
    { name: 'blk.0.ffn_up.weight', dims: [32, 5, 2], type: GGML_TYPE.Q4_1, data: q4_1Blocks(10, 2) },
    { name: 'token_embd.weight', dims: [32, 2], type: GGML_TYPE.Q8_0, data: new Uint8Array(68).map((_, i) => (i * 37) & 0xff) },
  ];
  return { metadata: TEST_METADATA, tensors, ...overrides };
}
