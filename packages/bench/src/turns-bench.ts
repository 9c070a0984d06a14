import { AGENT_TASK, AGENT_TOOLS, AGENT_TURNS, agentInstructions, toolOutput } from './agent-script.js';
import { spawnServer } from './spawn-server.js';
import { timedStream } from './sse-timing-client.js';
import { fmt } from './stats.js';
import { WsTimingClient } from './ws-timing-client.js';

export interface TurnsBenchOptions {
  modelPath: string;
  serverArgs: readonly string[];
  maxOutputTokens: number;
}

interface TurnRecord { ttftMs: number; inputTokens: number; cachedTokens: number }
interface CallItem { type: string; call_id?: string; name?: string; arguments?: string }

/**
 * Issue 3's turns benchmark: one scripted 20-turn tool-calling conversation replayed three ways —
 * stateless HTTP (no prefix reuse: every turn prefills everything), HTTP with the prefix pool
 * (history resent, matched against warm sequences), and WebSocket (only new items each turn).
 */
export async function benchTurns(options: TurnsBenchOptions): Promise<void> {
  const stateless = await withServer([...options.serverArgs, '--no-prefix-reuse'], (url, model) => replayHttp(url, model, 'stateless', options));
  const pooled = await withServer(options.serverArgs, (url, model) => replayHttp(url, model, 'pool', options));
  const ws = await withServer(options.serverArgs, (url, model) => replayWs(url, model, 'ws', options));

  console.log(`\n== turns: a ${AGENT_TURNS}-turn tool-calling conversation replayed three ways (TTFT ms) ==`);
  console.log(['turn', 'input tok', 'stateless', 'HTTP+pool', 'WebSocket', 'ws cached'].map((h) => h.padEnd(12)).join(''));
  for (let t = 0; t < AGENT_TURNS; t++) {
    const s = stateless[t]; const p = pooled[t]; const w = ws[t];
    console.log([String(t + 1), String(w?.inputTokens ?? ''), fmt(s?.ttftMs ?? NaN), fmt(p?.ttftMs ?? NaN), fmt(w?.ttftMs ?? NaN), String(w?.cachedTokens ?? '')].map((c) => c.padEnd(12)).join(''));
  }
  const total = (list: TurnRecord[]): number => list.reduce((sum, r) => sum + r.ttftMs, 0);
  console.log(['total', '', fmt(total(stateless)), fmt(total(pooled)), fmt(total(ws))].map((c) => c.padEnd(12)).join(''));
  const last = (list: TurnRecord[]): number => list[list.length - 1]?.ttftMs ?? NaN;
  const ratio = last(ws) / last(stateless);
  console.log(`turn-${AGENT_TURNS} TTFT WebSocket / stateless: ${fmt(ratio, 3)} (goal <= 0.1: ${ratio <= 0.1 ? 'met' : 'MISSED'}); HTTP+pool / stateless: ${fmt(last(pooled) / last(stateless), 3)}`);
}

async function withServer<T>(args: readonly string[], run: (url: string, model: string) => Promise<T>): Promise<T> {
  const server = await spawnServer(args);
  try {
    const response = await fetch(`${server.url}/v1/models`, { headers: { authorization: 'Bearer bench' } });
    const model = ((await response.json()) as { data: Array<{ id: string }> }).data[0]?.id ?? '';
    return await run(server.url, model);
  } finally {
    await server.stop();
  }
}

function baseRequest(model: string, nonce: string, options: TurnsBenchOptions): Record<string, unknown> {
  return {
    model, instructions: agentInstructions(nonce), tools: AGENT_TOOLS, tool_choice: 'required', parallel_tool_calls: false,
    temperature: 0, max_output_tokens: options.maxOutputTokens, store: false,
  };
}

/** The output items a client echoes back, and the call the harness answers. */
function callOf(output: readonly unknown[]): CallItem | undefined {
  return output.find((item): item is CallItem => typeof item === 'object' && item !== null && (item as CallItem).type === 'function_call');
}

async function replayHttp(url: string, model: string, nonce: string, options: TurnsBenchOptions): Promise<TurnRecord[]> {
  const records: TurnRecord[] = [];
  const history: unknown[] = [{ role: 'user', content: AGENT_TASK }];
  for (let turn = 0; turn < AGENT_TURNS; turn++) {
    const result = await timedStream(url, { ...baseRequest(model, nonce, options), input: history });
    records.push({ ttftMs: result.ttftMs, inputTokens: result.inputTokens, cachedTokens: result.cachedTokens });
    const call = callOf(result.output);
    history.push(...result.output.map(stripStatus));
    history.push({ type: 'function_call_output', call_id: call?.call_id ?? `missing_${turn}`, output: toolOutput(turn) });
  }
  return records;
}

async function replayWs(url: string, model: string, nonce: string, options: TurnsBenchOptions): Promise<TurnRecord[]> {
  const client = await WsTimingClient.connect(url);
  const records: TurnRecord[] = [];
  try {
    let previous: string | undefined;
    let input: unknown[] = [{ role: 'user', content: AGENT_TASK }];
    for (let turn = 0; turn < AGENT_TURNS; turn++) {
      const result = await client.create({ ...baseRequest(model, nonce, options), input, ...(previous ? { previous_response_id: previous } : {}) });
      records.push({ ttftMs: result.ttftMs, inputTokens: result.usage.input_tokens, cachedTokens: result.usage.input_tokens_details.cached_tokens });
      previous = result.id;
      input = [{ type: 'function_call_output', call_id: callOf(result.output)?.call_id ?? `missing_${turn}`, output: toolOutput(turn) }];
    }
  } finally {
    await client.close();
  }
  return records;
}

function stripStatus(item: unknown): unknown {
  if (typeof item !== 'object' || item === null) return item;
  const { status: _status, ...rest } = item as Record<string, unknown>;
  return rest;
}
