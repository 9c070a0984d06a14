import type { ApprovalDecision } from '@spark/protocol';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import type { AppController } from '../connection/app-controller.js';
import type { ThreadView } from '../store/thread-store.js';
import { BackgroundList } from './background-list.js';
import { Composer } from './composer.js';
import { HelpLine } from './help-line.js';
import { insertMention, type ContextMentions } from './insert-mention.js';
import { ModelPicker } from './model-picker.js';
import { QueueList } from './queue-list.js';
import { LiveStatusBar } from './status-bar.js';
import { ThreadList } from './thread-list.js';
import { LiveTranscript } from './transcript.js';
import { useStoreSlice } from './use-store-slice.js';
import { useSubscription } from './use-subscription.js';

/** The whole page: threads on the left, the conversation, the queue and the composer, the status bar. */
export function App({ app, mentions }: { app: AppController; mentions?: ContextMentions }) {
  const appView = useSubscription(useCallback((listener) => app.subscribe(listener), [app]), useCallback(() => app.view, [app]));
  const offered = useSubscription(
    useCallback((listener) => mentions?.subscribe(listener) ?? (() => undefined), [mentions]),
    useCallback(() => mentions?.current ?? NO_MENTIONS, [mentions]),
  );
  // Only what the page around the transcript draws: a flush that changed the streaming answer alone re-renders nothing here.
  const view = useStoreSlice(app.store, chromeOf);
  const [text, setText] = useState('');
  const [editing, setEditing] = useState<number | null>(null);
  const composer = useRef<HTMLTextAreaElement | null>(null);
  const picker = useRef<HTMLSelectElement | null>(null);

  // A queued message that left the queue (started, removed elsewhere) is no longer being edited.
  useEffect(() => {
    if (editing !== null && editing >= view.queued.length) { setEditing(null); setText(''); }
  }, [view.queued, editing]);

  const decide = useCallback((requestId: string, decision: ApprovalDecision) => { void app.decide(requestId, decision); }, [app]);
  const undo = useCallback(() => { void app.undo(); }, [app]);
  const edit = (index: number): void => {
    setEditing(index);
    setText(view.queued[index] ?? '');
    composer.current?.focus();
  };
  const cancelEdit = (): void => { setEditing(null); setText(''); };

  useEffect(() => {
    const onKey = (event: KeyboardEvent): void => {
      if (event.key === 'Escape' && app.store.view.running) { event.preventDefault(); void app.interrupt(); return; }
      if (!event.altKey || event.ctrlKey || event.metaKey) return;
      const pending = app.store.view.entries.find((entry) => entry.kind === 'approval' && entry.decision === null);
      const requestId = pending?.kind === 'approval' ? pending.requestId : null;
      const act = (run: () => void): void => { event.preventDefault(); run(); };
      switch (event.code) {
        case 'KeyN': act(() => { app.showNothing(); composer.current?.focus(); }); break;
        case 'KeyU': act(() => { void app.undo(); }); break;
        case 'KeyM': act(() => { picker.current?.focus(); }); break;
        case 'KeyT': act(() => { document.querySelector<HTMLElement>('[data-testid="thread-open"][aria-current="page"], [data-testid="thread-open"]')?.focus(); }); break;
        case 'KeyK': act(() => { composer.current?.focus(); }); break;
        case 'KeyI': {
          const first = mentions?.current[0];
          if (first !== undefined) act(() => { setText((text) => insertMention(text, first)); composer.current?.focus(); });
          break;
        }
        case 'KeyY': if (requestId !== null) act(() => { void app.decide(requestId, 'approve'); }); break;
        case 'KeyS': if (requestId !== null) act(() => { void app.decide(requestId, 'approve_session'); }); break;
        case 'KeyD': if (requestId !== null) act(() => { void app.decide(requestId, 'deny'); }); break;
        default: break;
      }
    };
    window.addEventListener('keydown', onKey);
    return () => { window.removeEventListener('keydown', onKey); };
  }, [app, mentions]);

  useEffect(() => { composer.current?.focus(); }, [view.threadId]);

  const model = view.model === '' ? appView.defaultModel : view.model;
  return (
    <div class="app">
      <aside class="sidebar">
        <div class="brand">Spark <span class="workspace" title={appView.workspace}>{basename(appView.workspace)}</span></div>
        <ThreadList threads={appView.threads} current={view.threadId}
          onOpen={(id) => { void app.open(id); }} onFork={(id) => { void app.fork(id); }}
          onNew={() => { app.showNothing(); composer.current?.focus(); }} />
      </aside>
      <main class="main">
        <header class="topbar">
          <ModelPicker models={appView.models} model={model} disabled={view.running} selectRef={picker} onPick={(id) => { void app.setModel(id); }} />
          {appView.connection === 'open' ? null : <span class="problem" role="status">{appView.connection === 'connecting' ? 'Connecting to the agent host…' : `Reconnecting… ${appView.problem}`}</span>}
        </header>
        <LiveTranscript store={app.store} onUndo={undo} onDecide={decide} />
        <div class="bottom">
          <BackgroundList store={app.store} onStop={(id) => { void app.stopBackground(id); }} onApply={(id) => { void app.applyBackground(id); }} />
          <QueueList queued={view.queued} editing={editing} onEdit={edit}
            onPromote={(index) => { void app.promoteQueued(index); }} onRemove={(index) => { void app.editQueued(index, null); }} />
          <Composer text={text} onText={setText} running={view.running} editing={editing} queuedCount={view.queued.length} focusRef={composer}
            onSend={(message) => { setText(''); void app.send(message); }}
            onQueue={(message) => { setText(''); void app.queue(message); }}
            onStop={() => { void app.interrupt(); }}
            onSaveEdit={(index, message) => { cancelEdit(); void app.editQueued(index, message); }}
            onCancelEdit={cancelEdit}
            onEditLastQueued={() => { edit(view.queued.length - 1); }}
            {...(mentions === undefined ? {} : { mentions: offered, onMention: (mention: string) => { setText((current) => insertMention(current, mention)); } })} />
          <HelpLine running={view.running} />
        </div>
      </main>
      <LiveStatusBar store={app.store} models={appView.models} defaultModel={appView.defaultModel} connection={appView.connection} />
    </div>
  );
}

const NO_MENTIONS: readonly string[] = [];

function chromeOf(view: ThreadView): { threadId: string | null; queued: readonly string[]; running: boolean; model: string } {
  return { threadId: view.threadId, queued: view.queued, running: view.running, model: view.stats.model };
}

function basename(path: string): string {
  return path.split(/[\\/]/).filter((part) => part !== '').at(-1) ?? path;
}
