import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { emptySamples, networkTable, perTokenMicros, ratioCell, summarize, type RttSamples } from './network-report.js';

function samples(turnMs: number[], ttftMs: number[], tokenCpuUs: number[]): ReturnType<typeof emptySamples> {
  return { turnMs, ttftMs, tokenWallUs: [10, 12, 11], tokenCpuUs };
}

void describe('network bench report', () => {
  void it('summarizes each figure by its median', () => {
    assert.deepEqual(summarize({ turnMs: [3, 1, 2], ttftMs: [4, 1, 2, 3], tokenWallUs: [], tokenCpuUs: [7] }), { turnMs: 2, ttftMs: 2.5, tokenWallUs: Number.NaN, tokenCpuUs: 7 });
  });

  void it('measures per-token time between the first and the last delta', () => {
    assert.equal(perTokenMicros([10, 11, 12, 13]), 1000);
    assert.ok(Number.isNaN(perTokenMicros([5])));
    assert.ok(Number.isNaN(perTokenMicros([])));
  });

  void it('formats ratios with a verdict only where a goal applies', () => {
    assert.equal(ratioCell(20, 100, 0.2), '0.20x (met)');
    assert.equal(ratioCell(21, 100, 0.2), '0.21x (MISSED)');
    assert.equal(ratioCell(50, 100), '0.50x');
    assert.equal(ratioCell(1, 0), 'n/a');
  });

  void it('prints one row per RTT and transport, judged against new-connection HTTPS at 20 and 80 ms only', () => {
    const at = (rttMs: number): RttSamples => ({
      rttMs,
      byTransport: {
        ws: samples([rttMs + 1], [rttMs + 1], [6]),
        'https-new': samples([3 * rttMs + 2], [3 * rttMs + 2], [10]),
        'https-keepalive': samples([rttMs + 2], [rttMs + 2], [9]),
      },
    });
    const lines = networkTable([at(0), at(80)]).split('\n');
    assert.equal(lines.length, 2 + 6);
    assert.match(lines[0] ?? '', /^\| RTT \| transport \| per turn \(ms\) \| TTFT \(ms\) \|/);
    assert.equal(lines[2], '| 0 ms | WebSocket (one wss, previous_response_id) | 1.00 | 1.00 | 11.0 | 6.0 | 0.50x | 0.50x | 0.60x |');
    assert.equal(lines[3], '| 0 ms | HTTPS+SSE, new connection per turn | 2.00 | 2.00 | 11.0 | 10.0 | 1.00x | 1.00x | 1.00x |');
    assert.equal(lines[5], '| 80 ms | WebSocket (one wss, previous_response_id) | 81.00 | 81.00 | 11.0 | 6.0 | 0.33x (MISSED) | 0.33x (met) | 0.60x (met) |');
    assert.match(lines[7] ?? '', /^\| 80 ms \| HTTPS\+SSE, keep-alive \| 82\.00 \| 82\.00 \| 11\.0 \| 9\.0 \| 0\.34x \| 0\.34x \| 0\.90x \|$/);
  });

  void it('starts every transport with no samples', () => {
    assert.deepEqual(emptySamples(), { turnMs: [], ttftMs: [], tokenWallUs: [], tokenCpuUs: [] });
  });
});
