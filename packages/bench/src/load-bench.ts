import { request as httpRequest } from 'node:http';
import { spawnServer, type SpawnedServer } from './spawn-server.js';
import { rssMb, servedModelId } from './served-process.js';
import { sseData } from './sse-data.js';
import { fmt, percentile } from './stats.js';
import { WsTimingClient } from './ws-timing-client.js';

export interface LoadBenchOptions {
  /** `spark serve` arguments (model, threads). */
  serverArgs: readonly string[];
  httpStreams: number;
  wsConnections: number;
  wsTurns: number;
  /** Bytes of the oversized input sent while a bystander streams. */
  hugeInputBytes: number;
}

/** Events the bystander streams before the uploads start. */
const BASELINE_EVENTS = 100;

interface Outcome { ok: boolean; refused: boolean; ttftMs: number; outputTokens: number; error?: string }

/**
 * `npm run bench -- --only load`: what a burst does to a local server (issue 21). 50 concurrent
 * HTTP streams, then 200 WebSocket connections running chained turns: completed, refused (429),
 * time to first token, throughput and the server's memory before, at peak and after. Then a
 * bystander stream's worst gap between events while other clients send 8 MB and 30 MB inputs, and
 * how long they wait for their refusals after their last byte.
 */
export async function benchLoad(options: LoadBenchOptions): Promise<void> {
  const server = await spawnServer(options.serverArgs);
  try {
    const model = await servedModelId(server.url);
    console.log(`\n## load: ${options.httpStreams} HTTP streams, ${options.wsConnections} WebSocket connections x ${options.wsTurns} chained turns (${model})`);
    console.log('| burst | completed | refused | other errors | TTFT p50 ms | TTFT p95 ms | output tok/s | wall s | RSS before / peak / after MB |');
    console.log('|---|---|---|---|---|---|---|---|---|');
    await measure(server, `${options.httpStreams} HTTP streams`, () => Promise.all(
      Array.from({ length: options.httpStreams }, (_, index) => httpTurn(server.url, model, `Count from ${index} to ${index + 5}.`)),
    ));
    await measure(server, `${options.wsConnections} WS x ${options.wsTurns} turns`, async () => (await Promise.all(
      Array.from({ length: options.wsConnections }, (_, index) => wsChain(server.url, model, index, options.wsTurns)),
    )).flat());
    await bystanderGap(server, model, options.hugeInputBytes);
  } finally {
    await server.stop();
  }
}

async function measure(server: SpawnedServer, label: string, run: () => Promise<Outcome[]>): Promise<void> {
  const before = rssMb(server.pid);
  let peak = before;
  const sampler = setInterval(() => { peak = Math.max(peak, rssMb(server.pid)); }, 50);
  const started = performance.now();
  const outcomes = await run().finally(() => clearInterval(sampler));
  const wallMs = performance.now() - started;
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const after = rssMb(server.pid);
  const ok = outcomes.filter((outcome) => outcome.ok);
  const ttfts = ok.map((outcome) => outcome.ttftMs).sort((a, b) => a - b);
  const tokens = ok.reduce((sum, outcome) => sum + outcome.outputTokens, 0);
  const others = outcomes.filter((outcome) => !outcome.ok && !outcome.refused);
  console.log(`| ${label} | ${ok.length} | ${outcomes.filter((outcome) => outcome.refused).length} | ${others.length} | ${fmt(percentile(ttfts, 0.5), 0)} | ${fmt(percentile(ttfts, 0.95), 0)} | ${fmt((tokens * 1000) / wallMs)} | ${fmt(wallMs / 1000)} | ${fmt(before, 0)} / ${fmt(peak, 0)} / ${fmt(after, 0)} |`);
  if (others[0]) console.log(`first other error: ${others[0].error ?? ''}`);
}

async function httpTurn(url: string, model: string, prompt: string): Promise<Outcome> {
  const started = performance.now();
  const response = await fetch(`${url}/v1/responses`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer bench' },
    body: JSON.stringify({ model, input: prompt, stream: true, store: false, max_output_tokens: 16 }),
  });
  if (!response.ok || !response.body) {
    const text = await response.text();
    return { ok: false, refused: response.status === 429, ttftMs: 0, outputTokens: 0, error: `${response.status} ${text.slice(0, 200)}` };
  }
  let first = 0;
  let outputTokens = 0;
  for await (const data of sseData(response.body as AsyncIterable<Uint8Array>)) {
    const event = JSON.parse(data) as { type: string; response?: { usage?: { output_tokens: number } } };
    if (first === 0 && event.type === 'response.output_text.delta') first = performance.now();
    if (event.type === 'response.completed' || event.type === 'response.incomplete') outputTokens = event.response?.usage?.output_tokens ?? 0;
    if (event.type === 'response.failed') return { ok: false, refused: false, ttftMs: 0, outputTokens: 0, error: data.slice(0, 200) };
  }
  return { ok: true, refused: false, ttftMs: (first || performance.now()) - started, outputTokens };
}

async function wsChain(url: string, model: string, index: number, turns: number): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  let client: WsTimingClient;
  try {
    client = await WsTimingClient.connect(url);
  } catch (error) {
    return [{ ok: false, refused: false, ttftMs: 0, outputTokens: 0, error: `connect: ${String(error)}` }];
  }
  try {
    let previous: string | undefined;
    for (let turn = 0; turn < turns; turn += 1) {
      try {
        const result = await client.create({
          model, store: false, max_output_tokens: 8, input: [{ role: 'user', content: `Turn ${turn} of chain ${index}: say a number.` }],
          ...(previous ? { previous_response_id: previous } : {}),
        });
        previous = result.id;
        outcomes.push({ ok: result.terminal !== 'response.failed', refused: false, ttftMs: result.ttftMs, outputTokens: result.usage.output_tokens });
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        outcomes.push({ ok: false, refused: /"status":429/.test(message), ttftMs: 0, outputTokens: 0, error: message.slice(0, 200) });
        break;
      }
    }
  } finally {
    await client.close();
  }
  return outcomes;
}

/**
 * A bystander streams while another client uploads inputs of `bytes` and 8 MB (under the body
 * limit: parsed, then refused by the context bound): the bystander's worst event gap while they
 * arrive, and each uploader's wait after its last byte. Bodies are built before the bystander
 * starts, so this process's own work stays out of the gaps.
 */
async function bystanderGap(server: SpawnedServer, model: string, bytes: number): Promise<void> {
  const bodies = [8 * 1024 * 1024, bytes].map((size) => Buffer.from(JSON.stringify({ model, input: 'x '.repeat(Math.floor(size / 2)), store: false })));
  const response = await fetch(`${server.url}/v1/responses`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer bench' },
    // Sampled, not greedy: greedy decoding speculates, and a verified draft arrives as a burst after a pause of its own.
    body: JSON.stringify({ model, input: 'Write a long story about a lighthouse keeper.', stream: true, store: false, max_output_tokens: 400, temperature: 0.7 }),
  });
  if (!response.ok || !response.body) throw new Error(`bystander: HTTP ${response.status}`);
  const arrivals: number[] = [];
  let uploads: Promise<Upload[]> | undefined;
  for await (const data of sseData(response.body as AsyncIterable<Uint8Array>)) {
    // Gaps count from the first token: before it the bystander waits for its own prefill.
    if (!uploads && !data.includes('output_text.delta')) continue;
    arrivals.push(performance.now());
    // The first events, before any upload, give the bystander's own worst gap to compare with.
    if (arrivals.length < BASELINE_EVENTS) continue;
    uploads ??= (async () => {
      const done: Upload[] = [];
      for (const body of bodies) done.push(await upload(server.url, body));
      return done;
    })();
  }
  const results = await uploads;
  if (!results) throw new Error('the bystander produced no text');
  const from = Math.min(...results.map((result) => result.sentAt));
  const to = Math.max(...results.map((result) => result.answeredAt));
  let worstDuring = 0;
  let worstBefore = 0;
  for (let index = 1; index < arrivals.length; index += 1) {
    const at = arrivals[index] ?? 0;
    const before = arrivals[index - 1] ?? 0;
    if (index < BASELINE_EVENTS) worstBefore = Math.max(worstBefore, at - before);
    if (at >= from && before <= to) worstDuring = Math.max(worstDuring, at - before);
  }
  console.log('\n| huge inputs while another client streams | value |');
  console.log('|---|---|');
  for (const result of results) console.log(`| ${fmt(result.bytes / 1e6, 0)} MB input | HTTP ${result.status}, ${fmt(result.afterLastByteMs, 0)} ms after its last byte |`);
  console.log(`| bystander's worst event gap while they arrived | ${fmt(worstDuring, 0)} ms |`);
  console.log(`| bystander's worst event gap in its first ${BASELINE_EVENTS} events, before any upload | ${fmt(worstBefore, 0)} ms |`);
}

interface Upload { bytes: number; status: number; afterLastByteMs: number; sentAt: number; answeredAt: number }

function upload(url: string, body: Buffer): Promise<Upload> {
  const target = new URL(`${url}/v1/responses`);
  return new Promise((resolve, reject) => {
    const sentAt = performance.now();
    let lastByteAt = 0;
    const req = httpRequest({
      host: target.hostname, port: target.port, path: target.pathname, method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer bench', 'content-length': body.length },
    }, (res) => {
      res.resume();
      res.once('end', () => {
        const answeredAt = performance.now();
        // A 413 may come before the last byte is out: then the wait after it is zero.
        resolve({ bytes: body.length, status: res.statusCode ?? 0, afterLastByteMs: Math.max(0, answeredAt - (lastByteAt || answeredAt)), sentAt, answeredAt });
      });
    });
    req.once('error', reject);
    req.end(body, () => { lastByteAt = performance.now(); });
  });
}

