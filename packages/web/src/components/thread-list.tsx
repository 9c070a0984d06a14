import type { ThreadInfo } from '@spark/host/wire';

export interface ThreadListProps {
  threads: readonly ThreadInfo[];
  current: string | null;
  onOpen: (threadId: string) => void;
  onFork: (threadId: string) => void;
  onNew: () => void;
}

/** The workspace's threads, newest first: open one (resume), fork one, or start a new one. */
export function ThreadList({ threads, current, onOpen, onFork, onNew }: ThreadListProps) {
  return (
    <nav class="threads" aria-label="Threads">
      <button type="button" class="btn primary new-thread" data-testid="new-thread" onClick={onNew} title="Alt+N">+ New thread</button>
      <ul data-testid="thread-list">
        {threads.map((thread) => (
          <li key={thread.thread_id} class={`thread${thread.thread_id === current ? ' current' : ''}`} data-testid="thread-item" data-thread-id={thread.thread_id} data-state={thread.state}>
            <button type="button" class="thread-open" data-testid="thread-open" aria-current={thread.thread_id === current ? 'page' : undefined} onClick={() => { onOpen(thread.thread_id); }}>
              <span class="thread-title">{thread.title === '' ? '(new thread)' : thread.title}</span>
              <span class="thread-meta">
                {thread.state === 'running' ? <span class="thread-running" title="A turn runs">● </span> : null}
                {relativeTime(thread.updated_ms)} · {thread.model}
              </span>
            </button>
            <button type="button" class="btn small thread-fork" data-testid="thread-fork" onClick={() => { onFork(thread.thread_id); }} aria-label={`Fork ${thread.title === '' ? 'thread' : thread.title}`} title="Fork: a new thread with this history">Fork</button>
          </li>
        ))}
      </ul>
    </nav>
  );
}

function relativeTime(ms: number): string {
  const seconds = Math.max(0, (Date.now() - ms) / 1000);
  if (seconds < 60) return 'now';
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)} h ago`;
  return new Date(ms).toLocaleDateString();
}
