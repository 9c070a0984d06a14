import assert from 'node:assert/strict';
import { test } from 'node:test';
import { f16Table, f16ToF32, f32ToF16 } from './float16.js';

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

function fromBits(bits: number): number {
  u32[0] = bits;
  return f32[0] ?? 0;
}

function toBits(value: number): number {
  f32[0] = value;
  return u32[0] ?? 0;
}

/** ggml_compute_fp32_to_fp16 (ggml-impl.h), transcribed with f32 arithmetic: the oracle. */
function ggmlFp32ToFp16(value: number): number {
  const f = Math.fround(value);
  let base = Math.fround(Math.fround(Math.abs(f) * 2 ** 112) * 2 ** -110);
  const w = toBits(f);
  const shl1w = (w * 2) >>> 0;
  const sign = (w & 0x80000000) >>> 0;
  let bias = (shl1w & 0xff000000) >>> 0;
  if (bias < 0x71000000) bias = 0x71000000;
  base = Math.fround(fromBits(((bias >>> 1) + 0x07800000) >>> 0) + base);
  const bits = toBits(base);
  const nonsign = ((bits >>> 13) & 0x7c00) + (bits & 0x0fff);
  return (sign >>> 16) | (shl1w > 0xff000000 ? 0x7e00 : nonsign);
}

void test('f16ToF32 decodes normals, subnormals, zeros, infinities and NaN', () => {
  assert.equal(f16ToF32(0x3c00), 1);
  assert.equal(f16ToF32(0xc000), -2);
  assert.equal(f16ToF32(0x3555), 0.333251953125);
  assert.equal(f16ToF32(0x7bff), 65504);
  assert.equal(f16ToF32(0x0400), 2 ** -14);
  assert.equal(f16ToF32(0x03ff), 1023 * 2 ** -24);
  assert.equal(f16ToF32(0x0001), 2 ** -24);
  assert.ok(Object.is(f16ToF32(0x0000), 0));
  assert.ok(Object.is(f16ToF32(0x8000), -0));
  assert.equal(f16ToF32(0x7c00), Infinity);
  assert.equal(f16ToF32(0xfc00), -Infinity);
  assert.ok(Number.isNaN(f16ToF32(0x7e00)));
  assert.ok(Number.isNaN(f16ToF32(0xfc01)));
  const table = f16Table();
  for (let bits = 0; bits < 0x10000; bits += 1) assert.ok(Object.is(table[bits], f16ToF32(bits)) || Number.isNaN(table[bits]));
});

void test('every finite and infinite f16 survives f16 -> f32 -> f16', () => {
  for (let bits = 0; bits < 0x10000; bits += 1) {
    if ((bits & 0x7c00) === 0x7c00 && (bits & 0x3ff) !== 0) continue;
    assert.equal(f32ToF16(f16ToF32(bits)), bits);
  }
});

void test('f32ToF16 rounds to nearest, ties to even, across every pair of neighbouring f16 values', () => {
  for (let bits = 0; bits < 0x7bff; bits += 1) {
    const low = f16ToF32(bits);
    const high = f16ToF32(bits + 1);
    const mid = (low + high) / 2; // exact in f32
    const even = bits % 2 === 0 ? bits : bits + 1;
    assert.equal(f32ToF16(mid), even, `midpoint above 0x${bits.toString(16)}`);
    assert.equal(f32ToF16(-mid), even | 0x8000);
    assert.equal(f32ToF16(fromBits(toBits(mid) - 1)), bits);
    assert.equal(f32ToF16(fromBits(toBits(mid) + 1)), bits + 1);
  }
});

void test('f32ToF16 overflows to infinity, underflows to subnormals and signed zero, keeps NaN', () => {
  assert.equal(f32ToF16(65504), 0x7bff);
  assert.equal(f32ToF16(fromBits(toBits(65520) - 1)), 0x7bff);
  assert.equal(f32ToF16(65520), 0x7c00); // the tie above the largest half rounds to even: infinity
  assert.equal(f32ToF16(1e10), 0x7c00);
  assert.equal(f32ToF16(-1e10), 0xfc00);
  assert.equal(f32ToF16(Infinity), 0x7c00);
  assert.equal(f32ToF16(-Infinity), 0xfc00);
  assert.equal(f32ToF16(Number.NaN), 0x7e00);
  assert.equal(f32ToF16(2 ** -24), 0x0001);
  assert.equal(f32ToF16(2 ** -25), 0x0000); // a tie between 0 and the smallest subnormal: even is 0
  assert.equal(f32ToF16(fromBits(toBits(2 ** -25) + 1)), 0x0001);
  assert.equal(f32ToF16(-(2 ** -25)), 0x8000);
  assert.equal(f32ToF16(3 * 2 ** -25), 0x0002); // 1.5 units: to even
  assert.equal(f32ToF16(2 ** -26), 0x0000);
  assert.equal(f32ToF16(fromBits(1)), 0x0000); // f32 subnormal
  assert.equal(f32ToF16(-0), 0x8000);
  assert.equal(f32ToF16(fromBits(toBits(2 ** -14) - 1)), 0x0400); // rounds up into the smallest normal
  // The input is an f32 first, as in C: this double rounds to the tie 1 + 2^-11, then to even.
  assert.equal(f32ToF16(1 + 2 ** -11 + 2 ** -40), 0x3c00);
});

void test('f32ToF16 agrees with ggml_compute_fp32_to_fp16 on f32 bit patterns across the whole range', () => {
  let seed = 12345;
  const next = (): number => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    return seed;
  };
  for (let i = 0; i < 200_000; i += 1) {
    const bits = next();
    const value = fromBits(bits);
    assert.equal(f32ToF16(value), ggmlFp32ToFp16(value), `bits 0x${bits.toString(16)}`);
  }
  // Dense around the f16 range, where the rounding happens.
  for (let bits = 0x33000000; bits < 0x47800000; bits += 0x1f3) {
    assert.equal(f32ToF16(fromBits(bits)), ggmlFp32ToFp16(fromBits(bits)), `bits 0x${bits.toString(16)}`);
  }
});
