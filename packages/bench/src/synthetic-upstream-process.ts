// Child-process entry: the synthetic upstream in its own process, so its CPU is not counted as
// Spark's or the client's. Prints the same ready line as the CLI (spawnServer waits for it).
// Arguments: <ttft ms> <rate>[,<rate>...] (the rates listed by GET /v1/models).
import { DEFAULT_SYNTHETIC_TOKENS_PER_SECOND, DEFAULT_SYNTHETIC_TTFT_MS, startSyntheticUpstream } from './synthetic-upstream.js';

const ttftMs = Number(process.argv[2] ?? DEFAULT_SYNTHETIC_TTFT_MS);
const rates = (process.argv[3] ?? String(DEFAULT_SYNTHETIC_TOKENS_PER_SECOND)).split(',').map(Number);
if (!Number.isFinite(ttftMs) || ttftMs < 0 || rates.some((rate) => !Number.isInteger(rate) || rate < 1)) {
  process.stderr.write('usage: synthetic-upstream-process.js <ttft ms> <rate>[,<rate>...]\n');
  process.exit(2);
}
const upstream = await startSyntheticUpstream({ ttftMs, rates });
process.stderr.write(`spark serve: ${upstream.url}/v1 (synthetic upstream: ${rates.map((rate) => `tps-${rate}`).join(', ')}, TTFT ${ttftMs} ms)\n`);
const stop = (): void => { void upstream.close().then(() => process.exit(0)); };
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
