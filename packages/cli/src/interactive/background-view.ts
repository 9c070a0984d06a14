import type { AgentEvent, BackgroundAgentInfo } from '@spark/protocol';
import { style } from '../tui/ansi.js';
import { truncateAnsi } from '../tui/text-width.js';

/** Characters of a background agent's recent answer text kept, so opening one shows where it is. */
export const BACKGROUND_TAIL_CHARS = 2_000;

type BackgroundEvent = Extract<AgentEvent, { type: `background.${string}` }>;

interface Row {
  info: BackgroundAgentInfo;
  /** When `info.elapsed_ms` was taken (performance.now), so the elapsed time runs on between events. */
  at: number;
  tail: string;
}

/**
 * The TUI's picture of a thread's background agents, from the snapshot and `background.*`
 * events: the live rows above the input (one per running agent), the `/agents` list, and the
 * stream of the one being watched (`open`), printed into the transcript as it arrives.
 */
export class BackgroundView {
  private readonly rows = new Map<string, Row>();
  private lastSeq = 0;
  /** The agent whose stream is printed, and its unfinished last line. */
  private watched: { id: string; partial: string } | undefined;

  /** Starts over from a thread's snapshot (a new or resumed session, another thread). */
  load(list: readonly BackgroundAgentInfo[], lastSeq: number): void {
    this.rows.clear();
    this.watched = undefined;
    this.lastSeq = lastSeq;
    const now = performance.now();
    for (const info of list) this.rows.set(info.agent_id, { info, at: now, tail: '' });
  }

  get watching(): string | undefined {
    return this.watched?.id;
  }

  get anyRunning(): boolean {
    return [...this.rows.values()].some((row) => row.info.status === 'running');
  }

  /** Applies one event (once: an event seen already is skipped); returns lines for the transcript. */
  apply(event: BackgroundEvent): string[] {
    if (event.seq <= this.lastSeq) return [];
    this.lastSeq = event.seq;
    const id = event.agent_id;
    const row = this.rows.get(id);
    const watched = this.watched?.id === id ? this.watched : undefined;
    const tag = style.dim(`[${id}] `);
    switch (event.type) {
      case 'background.started':
        this.rows.set(id, {
          info: { agent_id: id, task: event.task, role: event.role, model: event.model, status: 'running', steps: 0, tokens: 0, elapsed_ms: 0 },
          at: performance.now(), tail: '',
        });
        return [style.magenta(`◆ background ${id} started on ${event.model}: `) + style.dim(firstLine(event.task)) + style.dim(`  (/agents open ${id} to watch)`)];
      case 'background.delta': {
        if (row !== undefined) row.tail = (row.tail + event.delta).slice(-BACKGROUND_TAIL_CHARS);
        if (watched === undefined) return [];
        const lines = (watched.partial + event.delta).split('\n');
        watched.partial = lines.pop() ?? '';
        return lines.map((line) => tag + line);
      }
      case 'background.step':
        return watched === undefined ? [] : [...this.flushWatched(), tag + `${style.magenta('●')} ${style.bold(event.tool)}`];
      case 'background.tool':
        return watched === undefined ? [] : [tag + (event.ok ? style.dim : style.red)(`  ⎿ ${firstLine(event.output)}`)];
      case 'background.status':
        if (row !== undefined) this.update(row, { status: event.status, steps: event.steps, tokens: event.tokens, elapsed_ms: event.elapsed_ms });
        return [];
      case 'background.finished': {
        if (row !== undefined) this.update(row, { status: event.status === 'failed' ? 'failed' : 'finished', summary: event.summary, patch: event.patch });
        const files = event.files.length === 0 ? 'no changes' : `changed ${event.files.join(', ')} (/agents apply ${id})`;
        return [...this.flushWatched(id), style.green(`◆ background ${id} finished: `) + firstLine(event.summary) + style.dim(`  ${files}`)];
      }
      case 'background.stopped':
        if (row !== undefined) this.update(row, { status: 'stopped' });
        return [...this.flushWatched(id), style.yellow(`◆ background ${id} stopped: ${event.reason}`)];
      case 'background.error':
        if (row !== undefined && row.info.status === 'running' && event.code !== 'token_budget') this.update(row, { status: 'failed' });
        // Without an id: a start was refused, and whoever asked got the refusal as the op's answer.
        return id === '' ? [] : [style.red(`◆ background ${id} error [${event.code}]: ${event.message}`)];
      case 'background.applied':
        if (row !== undefined && event.applied) this.update(row, { applied: true });
        return [event.applied ? style.green(`◆ applied ${id}: ${event.message}`) : style.red(`◆ not applied ${id}: ${event.message}`)];
    }
  }

  /** Starts printing `id`'s stream: its recent text first. */
  open(id: string): string[] {
    const row = this.rows.get(id);
    if (row === undefined) return [style.red(`no background agent '${id}' (/agents lists them)`)];
    const lines = [...this.flushWatched(), style.magenta(`◆ watching ${id} (${row.info.status}): ${firstLine(row.info.task)}`) + style.dim('  Esc or /agents close to stop watching')];
    const tail = row.tail.split('\n');
    this.watched = { id, partial: tail.pop() ?? '' };
    return [...lines, ...tail.map((line) => style.dim(`[${id}] `) + line)];
  }

  close(): string[] {
    if (this.watched === undefined) return [];
    const id = this.watched.id;
    const lines = this.flushWatched();
    this.watched = undefined;
    return [...lines, style.dim(`◆ stopped watching ${id}`)];
  }

  /** `/agents`: every agent of the thread, one line each. */
  list(): string[] {
    if (this.rows.size === 0) return ['no background agents (/bg <task> starts one)'];
    return [...this.rows.values()].map((row) => `${row.info.agent_id}  ${describe(row, performance.now())}  ${style.dim(firstLine(row.info.task).slice(0, 60))}`);
  }

  /** The live rows: one per running agent (and the watched one's unfinished line). */
  liveRows(width: number): string[] {
    const now = performance.now();
    const rows: string[] = [];
    if (this.watched !== undefined && this.watched.partial !== '') rows.push(truncateAnsi(style.dim(`[${this.watched.id}] `) + this.watched.partial, width));
    for (const row of this.rows.values()) {
      if (row.info.status !== 'running') continue;
      const head = `${style.magenta('◆')} ${row.info.agent_id} ${describe(row, now)}  `;
      rows.push(truncateAnsi(head + style.dim(firstLine(row.info.task)), width));
    }
    return rows;
  }

  private update(row: Row, change: Partial<BackgroundAgentInfo>): void {
    const elapsed = row.info.status === 'running' && change.elapsed_ms === undefined ? row.info.elapsed_ms + (performance.now() - row.at) : row.info.elapsed_ms;
    row.info = { ...row.info, elapsed_ms: elapsed, ...change };
    row.at = performance.now();
  }

  private flushWatched(id?: string): string[] {
    const watched = this.watched;
    if (watched === undefined || watched.partial === '' || (id !== undefined && watched.id !== id)) return [];
    const line = style.dim(`[${watched.id}] `) + watched.partial;
    watched.partial = '';
    return [line];
  }
}

/** "running · model · 3 steps · 1.2k tok · 12s" */
function describe(row: Row, now: number): string {
  const { info } = row;
  const elapsed = info.elapsed_ms + (info.status === 'running' ? now - row.at : 0);
  const state = info.status === 'running' ? style.yellow('running') : info.status === 'finished' ? style.green(info.applied === true ? 'applied' : 'finished') : style.red(info.status);
  return `${state} · ${info.model} · ${info.steps} steps · ${formatTokens(info.tokens)} tok · ${Math.round(elapsed / 1000)}s`;
}

function formatTokens(tokens: number): string {
  return tokens >= 1000 ? `${(tokens / 1000).toFixed(1)}k` : String(tokens);
}

function firstLine(text: string): string {
  return text.split('\n', 1)[0] ?? '';
}

/** Whether an event belongs to this view. */
export function isBackgroundEvent(event: AgentEvent): event is BackgroundEvent {
  return event.type.startsWith('background.');
}
