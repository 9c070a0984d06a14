import type { AgentEvent, BackgroundAgentInfo } from '@spark/protocol';

/** Characters of a background agent's stream the app keeps (the panel shows its recent work). */
export const MAX_BACKGROUND_STREAM_CHARS = 20_000;

/** One background agent as the app draws it. */
export interface BackgroundRow {
  readonly info: BackgroundAgentInfo;
  /** When `info.elapsed_ms` was true (ms, the store's clock): a running agent's time goes on from there. */
  readonly at: number;
  /** What it streamed (answer text, one line per tool), the latest MAX_BACKGROUND_STREAM_CHARS. */
  readonly stream: string;
  /** Its last error or refusal to apply, shown under it. */
  readonly note: string | null;
}

export type BackgroundEvent = Extract<AgentEvent, { type: `background.${string}` }>;

export function backgroundRows(list: readonly BackgroundAgentInfo[] | undefined, now: number): readonly BackgroundRow[] {
  return (list ?? []).map((info) => ({ info, at: now, stream: '', note: null }));
}

/** The rows after one `background.*` event: a new array, the changed row a new object, the rest as they were. */
export function applyBackgroundEvent(rows: readonly BackgroundRow[], event: BackgroundEvent, now: number): readonly BackgroundRow[] {
  if (event.type === 'background.started') {
    const info: BackgroundAgentInfo = { agent_id: event.agent_id, task: event.task, role: event.role, model: event.model, status: 'running', steps: 0, tokens: 0, elapsed_ms: 0 };
    return [...rows.filter((row) => row.info.agent_id !== event.agent_id), { info, at: now, stream: '', note: null }];
  }
  const index = rows.findIndex((row) => row.info.agent_id === event.agent_id);
  const row = rows[index];
  if (row === undefined) return rows;
  const next = changed(row, event, now);
  if (next === row) return rows;
  return rows.map((each, at) => (at === index ? next : each));
}

function changed(row: BackgroundRow, event: BackgroundEvent, now: number): BackgroundRow {
  const info = (change: Partial<BackgroundAgentInfo>): BackgroundRow => {
    const elapsed = change.elapsed_ms ?? (row.info.status === 'running' ? row.info.elapsed_ms + (now - row.at) : row.info.elapsed_ms);
    return { ...row, info: { ...row.info, ...change, elapsed_ms: elapsed }, at: now };
  };
  switch (event.type) {
    case 'background.delta': return { ...row, stream: bounded(row.stream + event.delta) };
    case 'background.step': return { ...row, stream: bounded(`${row.stream}${row.stream === '' || row.stream.endsWith('\n') ? '' : '\n'}● ${event.tool}\n`) };
    case 'background.tool': return { ...row, stream: bounded(`${row.stream}  ⎿ ${event.output.split('\n', 1)[0] ?? ''}\n`) };
    case 'background.status': return info({ status: event.status, steps: event.steps, tokens: event.tokens, elapsed_ms: event.elapsed_ms });
    case 'background.finished': return info({ status: event.status === 'failed' ? 'failed' : 'finished', summary: event.summary, patch: event.patch });
    case 'background.stopped': return { ...info({ status: 'stopped' }), note: event.reason };
    case 'background.error': return { ...row, note: `${event.message} (${event.code})` };
    case 'background.applied': return event.applied ? { ...info({ applied: true }), note: null } : { ...row, note: event.message };
    default: return row;
  }
}

function bounded(text: string): string {
  return text.length > MAX_BACKGROUND_STREAM_CHARS ? text.slice(-MAX_BACKGROUND_STREAM_CHARS) : text;
}
