// IEEE 754 binary16 <-> binary32 conversions, bit-compatible with ggml's
// ggml_compute_fp16_to_fp32 / ggml_compute_fp32_to_fp16 (round to nearest even, NaN -> 0x7e00).

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The f32 value of an f16 bit pattern (0..0xffff); exact, subnormals and infinities included. */
export function f16ToF32(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >>> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa === 0 ? sign * Infinity : Number.NaN;
  return sign * (1024 + mantissa) * 2 ** (exponent - 25);
}

/**
 * The f16 bit pattern nearest to `value` once rounded to f32 (ties to even): overflow becomes
 * infinity, tiny values f16 subnormals or a signed zero, and NaN the quiet NaN 0x7e00 with its sign.
 */
export function f32ToF16(value: number): number {
  f32[0] = value;
  const bits = u32[0] ?? 0;
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  const mantissa = bits & 0x7fffff;
  if (exponent === 0xff) return sign | (mantissa === 0 ? 0x7c00 : 0x7e00);
  const halfExponent = exponent - 112; // rebias 127 -> 15
  if (halfExponent >= 0x1f) return sign | 0x7c00;
  if (halfExponent >= 1) return sign | roundShift((halfExponent << 23) | mantissa, 13);
  // An f16 subnormal counts units of 2^-24: the f32 significand shifted right by 14 - halfExponent.
  const shift = 14 - halfExponent;
  if (shift > 24) return sign;
  return sign | roundShift(0x800000 | mantissa, shift);
}

/** `value >> shift`, rounded to nearest with ties to even; a carry may roll into the exponent. */
function roundShift(value: number, shift: number): number {
  const kept = value >>> shift;
  const rest = value - kept * 2 ** shift;
  const half = 2 ** (shift - 1);
  return rest > half || (rest === half && (kept & 1) === 1) ? kept + 1 : kept;
}

let table: Float32Array | undefined;

/** All 65536 f16 values as f32, indexed by bit pattern (built once, 256 KiB). */
export function f16Table(): Float32Array {
  if (table === undefined) {
    table = new Float32Array(0x10000);
    for (let bits = 0; bits < 0x10000; bits += 1) table[bits] = f16ToF32(bits);
  }
  return table;
}
