import { ObservedEngine, type GenerateRequest, type Timings } from '@spark/engine';
import { LlamaEngine } from '@spark/engine-llama';
import { startServer } from '@spark/server';
import { fmt, median } from './stats.js';
import { WsTimingClient, type TimedEvent } from './ws-timing-client.js';

export interface RealtimeBenchOptions {
  modelId: string;
  modelPath: string;
  threads: number;
  decodeThreads: number;
  repeats: number;
}

const LONG_PROMPT = 'Write a long, detailed story about a programmer who builds a compiler. Use many paragraphs.';
const DELTAS_BEFORE_ACTION = 30;

/**
 * Abort and steer latency on the real engine over a WebSocket: how long after the client's
 * `response.cancel` the last token arrives (against one decode step), and how long after a
 * `response.steer` the successor's first token arrives (against the steer's own prefill).
 */
export async function benchRealtime(options: RealtimeBenchOptions): Promise<void> {
  // Each generation's timings, which the wire does not carry.
  const finished: Array<{ request: GenerateRequest; timings: Timings }> = [];
  const engine = new ObservedEngine(await LlamaEngine.create({
    models: [{ id: options.modelId, path: options.modelPath }], contextSize: 8192, sequences: 4,
    threads: options.threads, decodeThreads: options.decodeThreads,
  }), { onEvent: (request, event) => { if (event.type === 'finish' && event.timings) finished.push({ request, timings: event.timings }); } });
  const server = await startServer({ engine, port: 0, dbPath: ':memory:' });
  const abortLag: number[] = [];
  const abortStep: number[] = [];
  const afterAbort: number[] = [];
  const steerLag: number[] = [];
  const steerPrefill: number[] = [];
  const steerPrefillTokens: number[] = [];
  try {
    const client = await WsTimingClient.connect(server.url);
    try {
      for (let r = 0; r < options.repeats; r++) {
        // Abort: cancel after some deltas; record every delta that still arrives.
        let cancelAt = 0;
        const deltaTimes: number[] = [];
        await client.create({ model: options.modelId, input: LONG_PROMPT, temperature: 0, store: false }, (timed, id) => {
          if (timed.event.type !== 'response.output_text.delta') return;
          deltaTimes.push(timed.at);
          if (deltaTimes.length === DELTAS_BEFORE_ACTION) cancelAt = client.send({ type: 'response.cancel', response_id: id });
        });
        const before = deltaTimes.filter((t) => t <= cancelAt);
        const after = deltaTimes.filter((t) => t > cancelAt);
        afterAbort.push(after.length);
        abortLag.push((after.at(-1) ?? cancelAt) - cancelAt);
        abortStep.push(median(before.slice(1).map((t, i) => t - (before[i] ?? t))));

        // Steer: correct mid-stream; the successor is the response.created that names this one.
        let steerAt = 0;
        let successor: Promise<TimedEvent> | undefined;
        let count = 0;
        await client.create({ model: options.modelId, input: LONG_PROMPT, temperature: 0, store: false, max_output_tokens: 200 }, (timed, id) => {
          if (timed.event.type !== 'response.output_text.delta') return;
          count += 1;
          if (count !== DELTAS_BEFORE_ACTION) return;
          successor = client.waitFor((event) => event.type === 'response.created' && (event['response'] as { previous_response_id?: string } | undefined)?.previous_response_id === id);
          steerAt = client.send({ type: 'response.steer', previous_response_id: id, input: 'Stop counting. Just say OK.' });
        });
        if (!successor) throw new Error('the steered response ended before the steer was sent');
        const created = await successor;
        const successorId = (created.event['response'] as { id: string }).id;
        // Registered in the same microtask turn as the created event: no delta can slip by.
        const first = await client.waitFor((event) => event.type === 'response.output_text.delta' || event.type === 'response.completed' || event.type === 'response.incomplete');
        steerLag.push(first.at - steerAt);
        if (first.event.type === 'response.output_text.delta') {
          await client.waitFor((event) => (event.type === 'response.completed' || event.type === 'response.incomplete') && (event['response'] as { id?: string } | undefined)?.id === successorId);
        }
        const successorGen = finished.filter((f) => f.request.continueFrom !== undefined).at(-1);
        steerPrefill.push(successorGen?.timings.prefillMs ?? NaN);
        steerPrefillTokens.push(successorGen?.timings.prefillTokens ?? NaN);
      }
    } finally {
      await client.close();
    }
  } finally {
    await server.close();
    await engine.dispose();
  }
  console.log(`\n== interrupt and steer over WebSocket (${options.modelId}; medians of ${options.repeats}) ==`);
  const lag = median(abortLag);
  const step = median(abortStep);
  console.log(`abort: last token ${fmt(lag)} ms after response.cancel, ${fmt(median(afterAbort), 0)} token(s) after it; one decode step ${fmt(step)} ms (goal: within one step: ${lag <= step ? 'met' : 'MISSED'})`);
  const steer = median(steerLag);
  const prefill = median(steerPrefill);
  console.log(`steer: successor's first token ${fmt(steer)} ms after response.steer; its own prefill ${fmt(prefill)} ms for ${fmt(median(steerPrefillTokens), 0)} tokens (goal <= prefill + 20 ms: ${steer <= prefill + 20 ? 'met' : 'MISSED'})`);
}

