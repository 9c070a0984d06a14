import type { AgentEvent, ThreadSnapshot } from '@spark/protocol';

/** What Spark is doing, as the status bar shows it. */
export type SparkState = 'idle' | 'connecting' | 'working' | 'error';

/** The status bar's content: the model, the state and the speed of the last response. */
export interface SparkStatus {
  readonly model: string;
  readonly state: SparkState;
  /** Output tokens per second of the last response (chat or Edit Selection); null before one. */
  readonly tokensPerSecond: number | null;
  /** Where the speed came from, and the last problem, for the tooltip. */
  readonly source: 'chat' | 'edit' | null;
  readonly problem: string;
}

export const INITIAL_STATUS: SparkStatus = { model: '', state: 'idle', tokensPerSecond: null, source: null, problem: '' };

/**
 * Shortest streaming time Edit Selection's speed is computed over; a shorter one says nothing.
 * The same rule as the agent's MIN_RATE_WINDOW_MS (@spark/agent), which already leaves a chat
 * response's `tokens_per_second` null; Edit Selection's stream does not go through the agent.
 */
export const MIN_RATE_WINDOW_MS = 50;

const ICONS: Record<SparkState, string> = { idle: '$(sparkle)', connecting: '$(sync~spin)', working: '$(loading~spin)', error: '$(error)' };

/** The status bar item's text and tooltip. */
export function statusText(status: SparkStatus): { text: string; tooltip: string } {
  const parts = [`${ICONS[status.state]} Spark`];
  if (status.model !== '') parts.push(shortModel(status.model));
  if (status.tokensPerSecond !== null) parts.push(`${formatRate(status.tokensPerSecond)} tok/s`);
  const speed = status.tokensPerSecond === null ? 'no response yet' : `${formatRate(status.tokensPerSecond)} tokens/s (last ${status.source === 'edit' ? 'Edit Selection' : 'chat response'})`;
  const lines = [`Spark: ${status.state}`, `Model: ${status.model === '' ? "the host's default" : status.model}`, `Speed: ${speed}`];
  if (status.state === 'error' && status.problem !== '') lines.push(status.problem);
  lines.push('Click to open the chat');
  return { text: parts.join(' · '), tooltip: lines.join('\n') };
}

/** Tokens per second: whole numbers from 10 up, one decimal below. */
export function formatRate(rate: number): string {
  return rate >= 10 ? String(Math.round(rate)) : rate.toFixed(1);
}

/** Output tokens over the time from the first delta to the end; null when too short to tell or no tokens. */
export function tokensPerSecond(outputTokens: number, firstDeltaMs: number | null, endMs: number): number | null {
  if (firstDeltaMs === null || outputTokens <= 0) return null;
  const window = endMs - firstDeltaMs;
  return window < MIN_RATE_WINDOW_MS ? null : (outputTokens * 1000) / window;
}

/** The status after a thread's snapshot was loaded in the chat. */
export function statusFromSnapshot(status: SparkStatus, snapshot: ThreadSnapshot): SparkStatus {
  return { ...status, model: snapshot.model, state: snapshot.running_turn_id === null ? 'idle' : 'working', problem: '' };
}

/** The status after one event of the chat's thread. */
export function statusFromEvent(status: SparkStatus, event: AgentEvent): SparkStatus {
  switch (event.type) {
    case 'turn.started':
    case 'response.started':
      return { ...status, state: 'working', problem: '' };
    case 'response.completed': {
      // Null when the response was too short to rate (the agent's rule): the last speed stays.
      const rate = event.stats.tokens_per_second;
      return rate === null ? status : { ...status, tokensPerSecond: rate, source: 'chat' };
    }
    case 'turn.completed':
      return event.status === 'failed' ? { ...status, state: 'error', problem: status.problem || 'The turn failed.' } : { ...status, state: 'idle' };
    case 'thread.idle':
      return status.state === 'error' ? status : { ...status, state: 'idle' };
    case 'error':
      return { ...status, state: 'error', problem: event.message.slice(0, 200) };
    case 'model.changed':
      return { ...status, model: event.model };
    default:
      return status;
  }
}

/** A model file's name without its folders (`/models/SmolLM2.gguf` → `SmolLM2.gguf`); an id as it is, cut at 32 characters. */
function shortModel(model: string): string {
  const isPath = /\.gguf$/i.test(model) || /^[~/.]/.test(model);
  const last = isPath ? model.split(/[\\/]/).filter((part) => part !== '').at(-1) ?? model : model;
  return last.length > 32 ? `${last.slice(0, 31)}…` : last;
}
