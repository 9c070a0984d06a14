// ggml's Q4_K and Q5_K super-blocks, 256 weights each, in 8 sub-blocks of 32 with 6-bit scales
// and mins packed into 12 bytes (get_scale_min_k4):
//   Q4_K: f16 d, f16 dmin, 12 bytes of scales, 128 bytes of nibbles
//   Q5_K: f16 d, f16 dmin, 12 bytes of scales, 32 bytes of high bits, 128 bytes of nibbles
// weight = d * scale * q - dmin * min, with q the nibble (Q4_K) or the nibble plus 16 times its
// high bit (Q5_K). Nibble byte l of each 32-byte group holds weights l (low) and l + 32 (high) of
// that group's 64, and high-bit byte l holds bit 2i (low nibble) and 2i + 1 (high) of group i.
import { f16Table } from './float16.js';

/** Weights per Q4_K / Q5_K super-block. */
export const K_BLOCK_WEIGHTS = 256;
/** Bytes per Q4_K super-block. */
export const Q4_K_BLOCK_BYTES = 144;
/** Bytes per Q5_K super-block. */
export const Q5_K_BLOCK_BYTES = 176;

/** Bytes before the quants: d, dmin and the packed scales. */
const HEADER_BYTES = 16;
const HIGH_BIT_BYTES = 32;

/**
 * Rewrites Q4_K super-blocks as Q5_K ones holding the same weights bit for bit: the scales and
 * nibbles are copied and every high bit is 0. The point is the kernels, not the size: llama.cpp
 * repacks Q4_K for x86 AVX2 and evaluates a batch of 4 or more tokens with a different kernel
 * than one token, so a batch's logits differ slightly from one-token steps; Q5_K is not repacked
 * on x86 and evaluates every batch size the same way.
 */
export function transcodeQ4_KToQ5_K(src: Uint8Array): Uint8Array {
  if (src.length % Q4_K_BLOCK_BYTES !== 0) throw new RangeError(`Q4_K data of ${src.length} bytes is not whole ${Q4_K_BLOCK_BYTES}-byte blocks`);
  const blocks = src.length / Q4_K_BLOCK_BYTES;
  const out = new Uint8Array(blocks * Q5_K_BLOCK_BYTES);
  for (let b = 0; b < blocks; b += 1) {
    const from = b * Q4_K_BLOCK_BYTES;
    const to = b * Q5_K_BLOCK_BYTES;
    out.set(src.subarray(from, from + HEADER_BYTES), to);
    out.set(src.subarray(from + HEADER_BYTES, from + Q4_K_BLOCK_BYTES), to + HEADER_BYTES + HIGH_BIT_BYTES);
  }
  return out;
}

/** Dequantizes `blocks` Q4_K super-blocks into `out` (ggml dequantize_row_q4_K). */
export function dequantizeQ4_K(src: Uint8Array, blocks: number, out: Float32Array): void {
  dequantizeK(src, blocks, out, Q4_K_BLOCK_BYTES, undefined);
}

/** Dequantizes `blocks` Q5_K super-blocks into `out` (ggml dequantize_row_q5_K). */
export function dequantizeQ5_K(src: Uint8Array, blocks: number, out: Float32Array): void {
  dequantizeK(src, blocks, out, Q5_K_BLOCK_BYTES, HEADER_BYTES);
}

function dequantizeK(src: Uint8Array, blocks: number, out: Float32Array, blockBytes: number, highBitsAt: number | undefined): void {
  const f16 = f16Table();
  const nibblesAt = highBitsAt === undefined ? HEADER_BYTES : HEADER_BYTES + HIGH_BIT_BYTES;
  for (let b = 0; b < blocks; b += 1) {
    const at = b * blockBytes;
    const d = f16[(src[at] ?? 0) | ((src[at + 1] ?? 0) << 8)] ?? 0;
    const dmin = f16[(src[at + 2] ?? 0) | ((src[at + 3] ?? 0) << 8)] ?? 0;
    for (let group = 0; group < 4; group += 1) {
      const [scaleLow, minLow] = scaleMin(src, at + 4, 2 * group);
      const [scaleHigh, minHigh] = scaleMin(src, at + 4, 2 * group + 1);
      // Each product is exact in f32 (11-bit f16 times a 6-bit integer, then times a 5-bit one),
      // so the one rounding of the subtraction matches C's float math.
      const d1 = d * scaleLow;
      const m1 = dmin * minLow;
      const d2 = d * scaleHigh;
      const m2 = dmin * minHigh;
      const base = b * K_BLOCK_WEIGHTS + group * 64;
      for (let l = 0; l < 32; l += 1) {
        const q = src[at + nibblesAt + group * 32 + l] ?? 0;
        const high = highBitsAt === undefined ? 0 : (src[at + highBitsAt + l] ?? 0) >>> (2 * group);
        out[base + l] = d1 * ((q & 0x0f) + (high & 1) * 16) - m1;
        out[base + 32 + l] = d2 * ((q >>> 4) + ((high >>> 1) & 1) * 16) - m2;
      }
    }
  }
}

/** Sub-block j's 6-bit scale and min from the 12 packed bytes at `at` (ggml get_scale_min_k4). */
function scaleMin(src: Uint8Array, at: number, j: number): [number, number] {
  const byte = (i: number): number => src[at + i] ?? 0;
  if (j < 4) return [byte(j) & 63, byte(j + 4) & 63];
  return [(byte(j + 4) & 0x0f) | ((byte(j - 4) >>> 6) << 4), (byte(j + 4) >>> 4) | ((byte(j) >>> 6) << 4)];
}
