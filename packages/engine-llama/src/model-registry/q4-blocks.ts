// ggml's 4-bit block formats, 32 weights a block. Byte j of the nibbles holds weight j in its
// low nibble and weight j + 16 in its high nibble.
//   Q4_0: f16 d, 16 bytes of nibbles; weight = (q - 8) * d
//   Q4_1: f16 d, f16 m, 16 bytes of nibbles; weight = q * d + m
import { f16Table, f32ToF16 } from './float16.js';

/** Weights per Q4_0 / Q4_1 block. */
export const Q4_BLOCK_WEIGHTS = 32;
/** Bytes per Q4_0 block. */
export const Q4_0_BLOCK_BYTES = 18;
/** Bytes per Q4_1 block. */
export const Q4_1_BLOCK_BYTES = 20;

const HALF = Q4_BLOCK_WEIGHTS / 2;

/** Dequantizes `blocks` Q4_1 blocks into `out` (ggml dequantize_row_q4_1, bit for bit). */
export function dequantizeQ4_1(src: Uint8Array, blocks: number, out: Float32Array): void {
  const f16 = f16Table();
  for (let b = 0; b < blocks; b += 1) {
    const at = b * Q4_1_BLOCK_BYTES;
    const d = f16[(src[at] ?? 0) | ((src[at + 1] ?? 0) << 8)] ?? 0;
    const m = f16[(src[at + 2] ?? 0) | ((src[at + 3] ?? 0) << 8)] ?? 0;
    const base = b * Q4_BLOCK_WEIGHTS;
    for (let j = 0; j < HALF; j += 1) {
      const q = src[at + 4 + j] ?? 0;
      // q * d is exact in f32 (4 bits times 11), so the one rounding of the store matches C's float math.
      out[base + j] = (q & 0x0f) * d + m;
      out[base + j + HALF] = (q >>> 4) * d + m;
    }
  }
}

/** Dequantizes `blocks` Q4_0 blocks into `out` (ggml dequantize_row_q4_0). */
export function dequantizeQ4_0(src: Uint8Array, blocks: number, out: Float32Array): void {
  const f16 = f16Table();
  for (let b = 0; b < blocks; b += 1) {
    const at = b * Q4_0_BLOCK_BYTES;
    const d = f16[(src[at] ?? 0) | ((src[at + 1] ?? 0) << 8)] ?? 0;
    const base = b * Q4_BLOCK_WEIGHTS;
    for (let j = 0; j < HALF; j += 1) {
      const q = src[at + 2 + j] ?? 0;
      out[base + j] = ((q & 0x0f) - 8) * d;
      out[base + j + HALF] = ((q >>> 4) - 8) * d;
    }
  }
}

/**
 * Quantizes `blocks` blocks of `values` to Q4_0 into `dst`, exactly as ggml's
 * quantize_row_q4_0_ref: d = (the value of largest magnitude) / -8, q = min(15, trunc(x/d + 8.5)).
 * Every step is rounded to f32 as C does (a double result of one f32 operation rounds to the same f32).
 */
export function quantizeQ4_0(values: Float32Array, blocks: number, dst: Uint8Array): void {
  for (let b = 0; b < blocks; b += 1) {
    const base = b * Q4_BLOCK_WEIGHTS;
    let amax = 0;
    let max = 0;
    for (let j = 0; j < Q4_BLOCK_WEIGHTS; j += 1) {
      const v = values[base + j] ?? 0;
      if (amax < Math.abs(v)) {
        amax = Math.abs(v);
        max = v;
      }
    }
    const d = Math.fround(max / -8);
    const id = d === 0 ? 0 : Math.fround(1 / d);
    const at = b * Q4_0_BLOCK_BYTES;
    const half = f32ToF16(d);
    dst[at] = half & 0xff;
    dst[at + 1] = half >>> 8;
    for (let j = 0; j < HALF; j += 1) {
      const x0 = Math.fround((values[base + j] ?? 0) * id);
      const x1 = Math.fround((values[base + j + HALF] ?? 0) * id);
      const q0 = Math.min(15, Math.trunc(Math.fround(x0 + 8.5)));
      const q1 = Math.min(15, Math.trunc(Math.fround(x1 + 8.5)));
      dst[at + 2 + j] = q0 | (q1 << 4);
    }
  }
}

/**
 * Converts Q4_1 blocks to Q4_0: each block dequantized, then requantized with the reference
 * quantizer. `src.length` must be a whole number of blocks; returns the Q4_0 bytes.
 */
export function requantizeQ4_1ToQ4_0(src: Uint8Array): Uint8Array {
  if (src.length % Q4_1_BLOCK_BYTES !== 0) throw new Error(`${src.length} bytes is not a whole number of Q4_1 blocks`);
  const blocks = src.length / Q4_1_BLOCK_BYTES;
  const values = new Float32Array(blocks * Q4_BLOCK_WEIGHTS);
  dequantizeQ4_1(src, blocks, values);
  const dst = new Uint8Array(blocks * Q4_0_BLOCK_BYTES);
  quantizeQ4_0(values, blocks, dst);
  return dst;
}
