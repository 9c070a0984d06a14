import { useEffect, useState } from 'preact/hooks';
import type { BackgroundRow } from '../store/background-rows.js';
import type { ThreadStore, ThreadView } from '../store/thread-store.js';
import { useStoreSlice } from './use-store-slice.js';

/** How often a running agent's elapsed time redraws. */
export const BACKGROUND_TICK_MS = 1000;

export interface BackgroundListProps {
  store: ThreadStore;
  onStop: (agentId: string) => void;
  onApply: (agentId: string) => void;
}

/**
 * The thread's background agents: task, model, state, steps, tokens and elapsed time each, with
 * Stop (running) and Apply (finished with changes); clicking one shows its stream live below.
 */
export function BackgroundList({ store, onStop, onApply }: BackgroundListProps) {
  const { background } = useStoreSlice(store, backgroundOf);
  const [open, setOpen] = useState<string | null>(null);
  const [now, setNow] = useState(() => performance.now());
  const running = background.some((row) => row.info.status === 'running');
  useEffect(() => {
    if (!running) return undefined;
    const timer = setInterval(() => { setNow(performance.now()); }, BACKGROUND_TICK_MS);
    return () => { clearInterval(timer); };
  }, [running]);
  if (background.length === 0) return null;
  const watched = background.find((row) => row.info.agent_id === open);
  return (
    <section class="background" data-testid="background-list" aria-label="Background agents">
      <ol class="background-items">
        {background.map((row) => {
          const { info } = row;
          const state = info.applied === true ? 'applied' : info.status;
          const elapsed = info.elapsed_ms + (info.status === 'running' ? Math.max(0, now - row.at) : 0);
          return (
            <li key={info.agent_id} class={`background-item${open === info.agent_id ? ' open' : ''}`} data-testid="background-item" data-agent-id={info.agent_id} data-state={state}>
              <button type="button" class="background-open" data-testid="background-open" title="Watch its stream"
                onClick={() => { setOpen(open === info.agent_id ? null : info.agent_id); }}>
                <span class={`background-state ${state}`} data-testid="background-state">{state}</span>
                <span class="background-task">{info.task}</span>
                <span class="background-meta" data-testid="background-meta">
                  {info.model} · {info.steps} steps · {formatTokens(info.tokens)} tok · {Math.round(elapsed / 1000)}s
                </span>
              </button>
              {info.status === 'running'
                ? <button type="button" class="btn small danger" data-testid="background-stop" onClick={() => { onStop(info.agent_id); }}>Stop</button> : null}
              {info.status === 'finished' && info.applied !== true && info.patch !== undefined && info.patch !== ''
                ? <button type="button" class="btn small primary" data-testid="background-apply" onClick={() => { onApply(info.agent_id); }}>Apply</button> : null}
              {row.note === null ? null : <span class="background-note" data-testid="background-note">{row.note}</span>}
            </li>
          );
        })}
      </ol>
      {watched === undefined ? null : <BackgroundStream row={watched} onClose={() => { setOpen(null); }} />}
    </section>
  );
}

function BackgroundStream({ row, onClose }: { row: BackgroundRow; onClose: () => void }) {
  const summary = row.info.summary;
  return (
    <div class="background-panel" data-testid="background-panel">
      <div class="background-panel-head">
        <span>{row.info.agent_id}: {row.info.task}</span>
        <button type="button" class="btn small" data-testid="background-close" onClick={onClose} aria-label="Close">×</button>
      </div>
      <pre class="background-stream" data-testid="background-stream">{row.stream === '' && summary !== undefined ? summary : row.stream}</pre>
    </div>
  );
}

function backgroundOf(view: ThreadView): { background: readonly BackgroundRow[] } {
  return { background: view.background };
}

function formatTokens(tokens: number): string {
  return tokens >= 1000 ? `${(tokens / 1000).toFixed(1)}k` : String(tokens);
}
