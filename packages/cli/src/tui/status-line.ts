// The one-line status under the input: model, engine, transport, speed, context use, session.
import { style as defaultStyle, type Style } from './ansi.js';
import { truncateAnsi, visibleWidth } from './text-width.js';

/** What the status line can show; absent or null fields are left out. */
export interface StatusFields {
  readonly model: string;
  readonly engine?: string | undefined;
  readonly transport: string;
  /** Time to first token of the last answer, in milliseconds. */
  readonly ttftMs?: number | null | undefined;
  readonly tokensPerSecond?: number | null | undefined;
  readonly contextTokens?: number | undefined;
  readonly contextWindow?: number | undefined;
  readonly sessionId?: string | undefined;
  /** e.g. "thinking", "running tool", "idle". */
  readonly state?: string | undefined;
}

const SEPARATOR = ' · ';

/** Compact token count: 950, 12.3k, 128k, 1.2M. */
export function formatTokenCount(n: number): string {
  if (n < 1000) return `${Math.round(n)}`;
  if (n < 1_000_000) {
    const k = n / 1000;
    return k < 100 ? `${trimZero(k.toFixed(1))}k` : `${Math.round(k)}k`;
  }
  return `${trimZero((n / 1_000_000).toFixed(1))}M`;
}

function trimZero(s: string): string {
  return s.endsWith('.0') ? s.slice(0, -2) : s;
}

function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${trimZero((ms / 1000).toFixed(1))} s`;
}

function formatRate(rate: number): string {
  return rate < 10 ? `${rate.toFixed(1)} tok/s` : `${Math.round(rate)} tok/s`;
}

interface Part {
  readonly text: string;
  /** Higher survives longer when the line must shrink. */
  readonly keep: number;
}

/**
 * One dim line, fields joined by ' · ' in a fixed order. When it does not fit `width`, fields
 * are dropped least important first (session id, engine, TTFT, transport, context, speed,
 * state) and, as a last resort, the model name is truncated.
 */
export function formatStatusLine(fields: StatusFields, width: number, style: Style = defaultStyle): string {
  const parts: Part[] = [{ text: fields.model, keep: 8 }];
  if (fields.engine !== undefined && fields.engine !== '') parts.push({ text: fields.engine, keep: 1 });
  if (fields.transport !== '') parts.push({ text: fields.transport, keep: 3 });
  if (fields.state !== undefined && fields.state !== '') parts.push({ text: fields.state, keep: 7 });
  if (fields.ttftMs !== undefined && fields.ttftMs !== null && Number.isFinite(fields.ttftMs)) parts.push({ text: `TTFT ${formatMs(fields.ttftMs)}`, keep: 2 });
  if (fields.tokensPerSecond !== undefined && fields.tokensPerSecond !== null && Number.isFinite(fields.tokensPerSecond)) {
    parts.push({ text: formatRate(fields.tokensPerSecond), keep: 6 });
  }
  if (fields.contextTokens !== undefined) {
    const window = fields.contextWindow;
    const text = window !== undefined && window > 0
      ? `ctx ${formatTokenCount(fields.contextTokens)}/${formatTokenCount(window)} (${Math.round((100 * fields.contextTokens) / window)}%)`
      : `ctx ${formatTokenCount(fields.contextTokens)}`;
    parts.push({ text, keep: 5 });
  }
  if (fields.sessionId !== undefined && fields.sessionId !== '') parts.push({ text: fields.sessionId, keep: 0 });
  const shown = [...parts];
  const lineWidth = (): number => shown.reduce((sum, p) => sum + visibleWidth(p.text), 0) + SEPARATOR.length * Math.max(0, shown.length - 1);
  while (shown.length > 1 && lineWidth() > width) {
    let drop = 0;
    shown.forEach((p, i) => { if (p.keep < (shown[drop]?.keep ?? Infinity)) drop = i; });
    shown.splice(drop, 1);
  }
  const line = truncateAnsi(shown.map((p) => p.text).join(SEPARATOR), Math.max(0, width));
  return style.dim(line);
}
