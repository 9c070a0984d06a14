import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Token } from 'node-llama-cpp';
import { windowSafePrefix, type WindowedSequence } from './window-safe-prefix.js';

const WINDOW = 512;

/** A sequence holding `held` tokens whose oldest cell still in the cache is at `oldest`. */
function sequence(held: number, oldest: number, options: { window?: number; full?: boolean; recurrent?: boolean } = {}): WindowedSequence {
  const context = Array.from({ length: held }, (_, index) => index as Token);
  return {
    nextTokenIndex: held,
    stateCellsStartIndex: oldest,
    needsCheckpoints: options.full !== true,
    compareContextTokens: (tokens: Token[]) => {
      let index = 0;
      while (index < context.length && context[index] === tokens[index]) index += 1;
      return { firstDifferentIndex: index };
    },
    model: { fileInsights: { swaSize: options.full === true ? undefined : options.window ?? WINDOW, isHybrid: false, isRecurrent: options.recurrent === true } },
  };
}

/** The first `length` tokens of the held history, then `extra` new ones. */
function prompt(length: number, extra = 0): Token[] {
  return [...Array.from({ length }, (_, index) => index as Token), ...Array.from({ length: extra }, (_, index) => (1_000_000 + index) as Token)];
}

describe('windowSafePrefix', () => {
  it('keeps an appending prompt whole, however old the oldest cell', () => {
    const tokens = prompt(10_000, 50);
    assert.equal(windowSafePrefix(sequence(10_000, 9_000), tokens), tokens);
  });

  it('keeps a cut whose whole window is still held (llama-server rule: oldest <= cut - window)', () => {
    const tokens = prompt(9_600, 20);
    assert.equal(windowSafePrefix(sequence(10_000, 9_000), tokens).length, tokens.length);
  });

  it('shortens a cut whose window reaches below the oldest cell to that cell, so node-llama-cpp restores or re-reads', () => {
    // node-llama-cpp alone would keep 9,200 tokens: the cut is above the oldest cell (9,000), but
    // the token at 9,200 attends from 8,689 on, and 8,689..8,999 are gone.
    const tokens = prompt(9_200, 30);
    assert.deepEqual(windowSafePrefix(sequence(10_000, 9_000), tokens), tokens.slice(0, 9_000));
  });

  it('a cut below the oldest cell is left to node-llama-cpp, which already re-reads it', () => {
    const tokens = prompt(2_000, 30);
    assert.deepEqual(windowSafePrefix(sequence(10_000, 9_000), tokens), tokens.slice(0, 2_000));
  });

  it('a cut of a short history, all of it held, is kept', () => {
    const tokens = prompt(300, 5);
    assert.equal(windowSafePrefix(sequence(700, 0), tokens).length, tokens.length);
  });

  it('leaves full caches and recurrent state alone', () => {
    const tokens = prompt(9_200, 30);
    assert.equal(windowSafePrefix(sequence(10_000, 9_000, { full: true }), tokens), tokens);
    assert.equal(windowSafePrefix(sequence(10_000, 9_000, { recurrent: true }), tokens), tokens);
  });
});
