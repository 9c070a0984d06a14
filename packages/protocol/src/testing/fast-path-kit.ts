// Test support: a request fast path held against its zod schema on many random bodies.
import assert from 'node:assert/strict';
import type { z } from 'zod';

/** A small deterministic PRNG (mulberry32), so a failure names a reproducible seed. */
export function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function pick<T>(next: () => number, list: readonly T[]): T {
  return list[Math.floor(next() * list.length)] as T;
}

/**
 * Parses `count` random bodies (made by `body` from the seeded generator) with the fast path and
 * the schema: the fast path may decline a body, but a body it takes must be one the schema takes,
 * with the same result. Fails too when fewer than `minAccepted` bodies took the fast path: then
 * the comparison would prove nothing.
 */
export function assertFastPathAgrees(options: {
  seed: number; count: number; minAccepted: number;
  body: (next: () => number) => Record<string, unknown>;
  fast: (body: Record<string, unknown>) => unknown;
  schema: z.ZodType;
}): void {
  const next = random(options.seed);
  let accepted = 0;
  for (let i = 0; i < options.count; i++) {
    // As JSON would give it: the parsers see what a request body holds.
    const body = JSON.parse(JSON.stringify(options.body(next))) as Record<string, unknown>;
    const fast = options.fast(body);
    if (fast === undefined) continue;
    accepted += 1;
    const schema = options.schema.safeParse(body);
    assert.ok(schema.success, `the schema refuses a body the fast path accepted: ${JSON.stringify(body)}`);
    assert.deepStrictEqual(fast, schema.data, JSON.stringify(body));
  }
  assert.ok(accepted >= options.minAccepted, `only ${accepted} bodies took the fast path`);
}
