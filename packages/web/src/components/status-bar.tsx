import type { ModelInfo } from '@spark/host/wire';
import type { ThreadStats, ThreadStore, ThreadView } from '../store/thread-store.js';
import { memo } from './memo.js';
import { Sparkline } from './sparkline.js';
import { useStoreSlice } from './use-store-slice.js';

export interface StatusBarProps {
  stats: ThreadStats;
  /** A response streams: the live rate shows. */
  streaming: boolean;
  models: readonly ModelInfo[];
  defaultModel: string;
  connection: 'connecting' | 'open' | 'reconnecting';
}

/**
 * Model, engine, transport, TTFT and tok/s of the last response, context used, and the live
 * sparkline. Memoised: the store hands out a new `stats` a few times a second while streaming.
 */
export const StatusBar = memo(({ stats, streaming, models, defaultModel, connection }: StatusBarProps) => {
  const model = stats.model === '' ? defaultModel : stats.model;
  const engine = models.find((entry) => entry.id === model)?.owned_by ?? '';
  const window = stats.contextWindow > 0 ? stats.contextWindow : models.find((entry) => entry.id === model)?.context_window ?? 0;
  const share = window > 0 ? Math.min(1, stats.contextTokens / window) : 0;
  const live = stats.liveRate.length > 0 ? stats.liveRate.slice(-4).reduce((sum, value) => sum + value, 0) / Math.min(4, stats.liveRate.length) : null;
  return (
    <footer class="status-bar" data-testid="status-bar" aria-label="Status">
      <span class={`conn conn-${connection}`} data-testid="connection" title={`Agent host: ${connection}`}>{connection === 'open' ? '●' : '○'} {connection}</span>
      <span data-testid="status-model" title="Model">{model === '' ? '—' : model}</span>
      {engine === '' ? null : <span data-testid="status-engine" title="Engine">{engine}</span>}
      {stats.transport === null ? null : <span data-testid="status-transport" title="Transport of the last response">{stats.transport === 'websocket' ? 'WebSocket' : 'HTTP'}</span>}
      <span class="stat stat-ttft" data-testid="status-ttft" title="Time to first token of the last response">TTFT {stats.ttftMs === null ? '—' : `${Math.round(stats.ttftMs)} ms`}</span>
      <span class="stat stat-tps" data-testid="status-tps" title="Tokens per second of the last response">{stats.tokensPerSecond === null ? '— tok/s' : `${stats.tokensPerSecond.toFixed(1)} tok/s`}</span>
      {window > 0 ? (
        <span class="ctx" data-testid="status-context" title={`Context: ${stats.contextEstimated ? 'about ' : ''}${stats.contextTokens} of ${window} tokens`}>
          <span class="ctx-bar" aria-hidden="true"><span style={{ width: `${(share * 100).toFixed(1)}%` }} /></span>
          {stats.contextEstimated ? '~' : ''}{formatTokens(stats.contextTokens)} / {formatTokens(window)}
        </span>
      ) : null}
      {streaming ? (
        <span class="live" data-testid="status-live">
          <Sparkline values={stats.liveRate} /> {live === null ? '' : `${Math.round(live)} tok/s`}
        </span>
      ) : null}
    </footer>
  );
});

/** The status bar subscribed to the store itself: it re-renders when the stats change (a few times a second while streaming), not on every flush. */
export function LiveStatusBar({ store, ...props }: { store: ThreadStore } & Omit<StatusBarProps, 'stats' | 'streaming'>) {
  const view = useStoreSlice(store, statsOf);
  return <StatusBar stats={view.stats} streaming={view.streaming} {...props} />;
}

function statsOf(view: ThreadView): Pick<StatusBarProps, 'stats' | 'streaming'> {
  return { stats: view.stats, streaming: view.streaming };
}

function formatTokens(tokens: number): string {
  return tokens >= 10_000 ? `${Math.round(tokens / 1000)}k` : tokens >= 1000 ? `${(tokens / 1000).toFixed(1)}k` : String(tokens);
}
