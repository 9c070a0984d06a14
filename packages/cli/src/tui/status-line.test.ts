import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ansiStyle as s, plainStyle } from './ansi.js';
import { formatStatusLine, formatTokenCount, type StatusFields } from './status-line.js';
import { visibleWidth } from './text-width.js';

const fields: StatusFields = {
  model: 'qwen3-coder-30b', engine: 'llama.cpp', transport: 'websocket', ttftMs: 182, tokensPerSecond: 1234.4,
  contextTokens: 12_345, contextWindow: 131_072, sessionId: 'sess_01HXYZ', state: 'working',
};

void describe('formatStatusLine', () => {
  void it('joins every field with " · " in one dim line when it fits', () => {
    assert.equal(formatStatusLine(fields, 200, s), s.dim('qwen3-coder-30b · llama.cpp · websocket · working · TTFT 182 ms · 1234 tok/s · ctx 12.3k/131k (9%) · sess_01HXYZ'));
  });

  void it('drops the least important fields first to fit the width', () => {
    const line = (width: number): string => formatStatusLine(fields, width, plainStyle);
    assert.equal(line(111), 'qwen3-coder-30b · llama.cpp · websocket · working · TTFT 182 ms · 1234 tok/s · ctx 12.3k/131k (9%)');
    assert.equal(line(97), 'qwen3-coder-30b · websocket · working · TTFT 182 ms · 1234 tok/s · ctx 12.3k/131k (9%)');
    assert.equal(line(85), 'qwen3-coder-30b · websocket · working · 1234 tok/s · ctx 12.3k/131k (9%)');
    assert.equal(line(71), 'qwen3-coder-30b · working · 1234 tok/s · ctx 12.3k/131k (9%)');
    assert.equal(line(40), 'qwen3-coder-30b · working · 1234 tok/s');
    assert.equal(line(24), 'qwen3-coder-30b');
    assert.equal(line(10), 'qwen3-cod…');
    for (let width = 1; width < 120; width++) assert.ok(visibleWidth(line(width)) <= width, `width ${width}`);
  });

  void it('leaves out absent and null fields', () => {
    assert.equal(formatStatusLine({ model: 'm', transport: 'http', ttftMs: null, tokensPerSecond: null }, 80, plainStyle), 'm · http');
    assert.equal(formatStatusLine({ model: 'm', transport: 'http', tokensPerSecond: 3.25, ttftMs: 2500, contextTokens: 900 }, 80, plainStyle), 'm · http · TTFT 2.5 s · 3.3 tok/s · ctx 900');
  });
});

void describe('formatTokenCount', () => {
  void it('abbreviates thousands and millions', () => {
    assert.deepEqual([950, 1000, 12_345, 128_000, 1_200_000].map(formatTokenCount), ['950', '1k', '12.3k', '128k', '1.2M']);
  });
});
