import assert from 'node:assert/strict';
import { test } from 'node:test';
import { f16ToF32, f32ToF16 } from './float16.js';
import {
  dequantizeQ4_0, dequantizeQ4_1, Q4_0_BLOCK_BYTES, Q4_1_BLOCK_BYTES, Q4_BLOCK_WEIGHTS, quantizeQ4_0, requantizeQ4_1ToQ4_0,
} from './q4-blocks.js';

/**
 * Q4_1 blocks and the Q4_0 blocks that llama.cpp's own C (dequantize_row_q4_1 then
 * quantize_row_q4_0_ref, from the llama.cpp node-llama-cpp 3.22.1 bundles) makes of them.
 */
const GOLDEN: readonly (readonly [string, string])[] = [
  ['662e66b2f0e1d2c3b4a5968778695a4b3c2d1e0f', '33b109191827273646455464637272819190'], // d ~0.1, m ~-0.2
  ['002000c000112233445566778899aabbccddeeff', '003400000000000000000000000000000000'], // all negative, max at q = 0
  ['030001000f1e2d3c4b5a69788796a5b4c3d2e1f0', '068080717162625353444435352626171708'], // subnormal d and m
  ['000000000123456789abcdeffedcba9876543210', '008088888888888888888888888888888888'], // d = m = 0
  ['003c0000ff00ff000f0f0f0ff0f0f0f012345678', '80bf00880088808080800808080877665544'], // positive max: 16 clamps to 15
  ['003800bc00000000000000000000000000000000', '003000000000000000000000000000000000'], // constant block
  ['ff7bfffb8888888888888888888888888888888f', '00fc44444444444444444444444444444440'], // d overflows f16: -inf, as in C
];

void test('Q4_1 -> Q4_0 matches llama.cpp byte for byte on golden blocks', () => {
  for (const [q41, q40] of GOLDEN) {
    assert.equal(Buffer.from(requantizeQ4_1ToQ4_0(Buffer.from(q41, 'hex'))).toString('hex'), q40, q41);
  }
  const all = requantizeQ4_1ToQ4_0(Buffer.from(GOLDEN.map(([q41]) => q41).join(''), 'hex'));
  assert.equal(Buffer.from(all).toString('hex'), GOLDEN.map(([, q40]) => q40).join(''));
});

void test('quantizeQ4_0 takes the signed value of largest magnitude (first wins) as -8 d and clamps +8 d to 7', () => {
  const values = new Float32Array(Q4_BLOCK_WEIGHTS);
  values[0] = 8;
  values[1] = -8;
  values[2] = 3.2;
  const block = new Uint8Array(Q4_0_BLOCK_BYTES);
  quantizeQ4_0(values, 1, block);
  assert.equal(f16ToF32(block[0]! | (block[1]! << 8)), -1); // d = 8 / -8
  const out = new Float32Array(Q4_BLOCK_WEIGHTS);
  dequantizeQ4_0(block, 1, out);
  assert.deepEqual([out[0], out[1], out[2], out[3]], [8, -7, 3, -0]);
});

void test('an all-zero block has d = -0 (0 / -8, as in C) and every weight at the zero point 8', () => {
  const block = new Uint8Array(Q4_0_BLOCK_BYTES);
  quantizeQ4_0(new Float32Array(Q4_BLOCK_WEIGHTS), 1, block);
  assert.equal(Buffer.from(block).toString('hex'), `0080${'88'.repeat(16)}`);
});

void test('dequantizeQ4_1 reads weight j from the low nibble of byte j and weight j + 16 from its high nibble', () => {
  const block = new Uint8Array(Q4_1_BLOCK_BYTES);
  const d = f32ToF16(0.5);
  const m = f32ToF16(-1);
  block.set([d & 0xff, d >>> 8, m & 0xff, m >>> 8], 0);
  block[4] = 0x31; // weight 0: q = 1, weight 16: q = 3
  const out = new Float32Array(Q4_BLOCK_WEIGHTS);
  dequantizeQ4_1(block, 1, out);
  assert.equal(out[0], -0.5);
  assert.equal(out[16], 0.5);
  assert.equal(out[1], -1);
});

void test('random Q4_1 blocks requantize within one Q4_0 step of their values, half a step unless clamped', () => {
  let seed = 99;
  const next = (): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed >>> 8;
  };
  const blocks = 20_000;
  const src = new Uint8Array(blocks * Q4_1_BLOCK_BYTES);
  for (let b = 0; b < blocks; b += 1) {
    const at = b * Q4_1_BLOCK_BYTES;
    const d = f32ToF16((next() % 1000) / 20_000 + 1e-4);
    const m = f32ToF16(-((next() % 1000) / 1000) * 8 * f16ToF32(d));
    src.set([d & 0xff, d >>> 8, m & 0xff, m >>> 8], at);
    for (let j = 0; j < 16; j += 1) src[at + 4 + j] = next() & 0xff;
  }
  const before = new Float32Array(blocks * Q4_BLOCK_WEIGHTS);
  dequantizeQ4_1(src, blocks, before);
  const after = new Float32Array(blocks * Q4_BLOCK_WEIGHTS);
  dequantizeQ4_0(requantizeQ4_1ToQ4_0(src), blocks, after);
  let worst = 0;
  let sumSquares = 0;
  for (let b = 0; b < blocks; b += 1) {
    const block = before.subarray(b * Q4_BLOCK_WEIGHTS, (b + 1) * Q4_BLOCK_WEIGHTS);
    const max = block.reduce((best, x) => (Math.abs(x) > Math.abs(best) ? x : best), 0);
    const step = Math.abs(max) / 8;
    for (let j = 0; j < Q4_BLOCK_WEIGHTS; j += 1) {
      const x = block[j]!;
      const error = Math.abs(after[b * Q4_BLOCK_WEIGHTS + j]! - x);
      // Only a weight at +8 steps (opposite in sign to max) can round past 15 and be clamped to 7.
      const clamped = x * max < 0 && Math.abs(x) >= 7.5 * step;
      // d is stored as f16: up to 8 steps of 2^-11 relative error (or 2^-25 absolute when subnormal).
      const bound = (clamped ? 1 : 0.5) * step + 8 * Math.max(step * 2 ** -11, 2 ** -25) + 1e-9;
      assert.ok(error <= bound, `block ${b} weight ${j}: error ${error} > ${bound}`);
      worst = Math.max(worst, error / step);
      sumSquares += (error / step) ** 2;
    }
  }
  assert.ok(worst <= 1 + 2 ** -8, `worst error ${worst} steps`);
  assert.ok(Math.sqrt(sumSquares / (blocks * Q4_BLOCK_WEIGHTS)) < 0.35);
});

void test('a partial Q4_1 block is refused', () => {
  assert.throws(() => requantizeQ4_1ToQ4_0(new Uint8Array(Q4_1_BLOCK_BYTES + 1)), /not a whole number of Q4_1 blocks/);
});
