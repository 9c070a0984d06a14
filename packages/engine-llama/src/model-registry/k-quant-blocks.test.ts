import assert from 'node:assert/strict';
import { test } from 'node:test';
import { f32ToF16 } from './float16.js';
import { dequantizeQ4_K, dequantizeQ5_K, K_BLOCK_WEIGHTS, Q4_K_BLOCK_BYTES, Q5_K_BLOCK_BYTES, transcodeQ4_KToQ5_K } from './k-quant-blocks.js';
import { q4_KBlocks } from './testing/tiny-q4-gguf.js';

/** One super-block with d = 0.5, dmin = 0.25, every nibble set by `nibble(l)` and the given packed scales. */
function block(scales: readonly number[], nibble: (index: number) => number, highBits?: (index: number) => number): Uint8Array {
  const size = highBits === undefined ? Q4_K_BLOCK_BYTES : Q5_K_BLOCK_BYTES;
  const bytes = new Uint8Array(size);
  const d = f32ToF16(0.5);
  const dmin = f32ToF16(0.25);
  bytes.set([d & 0xff, d >>> 8, dmin & 0xff, dmin >>> 8, ...scales], 0);
  const nibblesAt = highBits === undefined ? 16 : 48;
  for (let l = 0; l < 128; l += 1) bytes[nibblesAt + l] = nibble(l);
  if (highBits !== undefined) for (let l = 0; l < 32; l += 1) bytes[16 + l] = highBits(l);
  return bytes;
}

// Sub-blocks 0-3 read scale j from byte j and min j from byte j + 4 (6 bits each); sub-blocks 4-7
// take their low 4 bits from byte j + 4 and their top 2 bits from the top bits of bytes j - 4 (scale) and j (min).
const SCALES = [
  1 | (1 << 6), 2 | (2 << 6), 3, 4, // scales 0-3; top bits feed scale 4 (1) and scale 5 (2)
  5 | (3 << 6), 6, 7, 8, // mins 0-3; top bits feed min 4 (3)
  0x92, 0x34, 0x56, 0x78, // low nibbles: scales 4-7 (2, 4, 6, 8), high nibbles: mins 4-7 (9, 3, 5, 7)
];
const SCALE = [1, 2, 3, 4, 2 | (1 << 4), 4 | (2 << 4), 6, 8];
const MIN = [5, 6, 7, 8, 9 | (3 << 4), 3, 5, 7];

void test('Q4_K dequantizes as ggml does: d * scale * q - dmin * min, per 32-weight sub-block', () => {
  const out = new Float32Array(K_BLOCK_WEIGHTS);
  dequantizeQ4_K(block(SCALES, (l) => (l % 16) | ((15 - (l % 16)) << 4)), 1, out);
  for (let i = 0; i < K_BLOCK_WEIGHTS; i += 1) {
    const sub = Math.floor(i / 32);
    const l = i % 32;
    const q = sub % 2 === 0 ? l % 16 : 15 - (l % 16);
    assert.equal(out[i], 0.5 * (SCALE[sub] ?? 0) * q - 0.25 * (MIN[sub] ?? 0), `weight ${i}`);
  }
});

void test('Q5_K adds 16 for each set high bit: bit 2g of byte l for the low nibbles of group g, bit 2g + 1 for the high', () => {
  const out = new Float32Array(K_BLOCK_WEIGHTS);
  dequantizeQ5_K(block(SCALES, () => 0x00, (l) => (l % 2 === 0 ? 0b01010101 : 0b10101010)), 1, out);
  for (let i = 0; i < K_BLOCK_WEIGHTS; i += 1) {
    const sub = Math.floor(i / 32);
    const l = i % 32;
    const high = (l % 2 === 0) === (sub % 2 === 0) ? 16 : 0;
    assert.equal(out[i], 0.5 * (SCALE[sub] ?? 0) * high - 0.25 * (MIN[sub] ?? 0), `weight ${i}`);
  }
});

void test('Q4_K transcoded to Q5_K keeps every weight bit for bit', () => {
  const blocks = 40;
  const source = q4_KBlocks(blocks, 7);
  const transcoded = transcodeQ4_KToQ5_K(source);
  assert.equal(transcoded.length, blocks * Q5_K_BLOCK_BYTES);
  const x = new Float32Array(blocks * K_BLOCK_WEIGHTS);
  const y = new Float32Array(blocks * K_BLOCK_WEIGHTS);
  dequantizeQ4_K(source, blocks, x);
  dequantizeQ5_K(transcoded, blocks, y);
  assert.ok(x.some((value) => value !== 0));
  assert.deepEqual(new Uint8Array(y.buffer), new Uint8Array(x.buffer));
});

void test('transcoding refuses data that is not whole Q4_K blocks', () => {
  assert.throws(() => transcodeQ4_KToQ5_K(new Uint8Array(Q4_K_BLOCK_BYTES + 1)), RangeError);
  assert.equal(transcodeQ4_KToQ5_K(new Uint8Array(0)).length, 0);
});
