import type { ApprovalDecision } from '@spark/protocol';
import type { ThreadStore, ThreadView } from '../store/thread-store.js';
import type { TranscriptEntry } from '../store/transcript-entry.js';
import { useStickToBottom } from './markdown-view.js';
import { memo } from './memo.js';
import { useStoreSlice } from './use-store-slice.js';
import { ApprovalCard, AssistantMessage, Notice, PatchView, SteerNote, ToolCall, UserMessage } from './transcript-entries.js';

interface EntryProps {
  entry: TranscriptEntry;
  canUndo: boolean;
  first: boolean;
  diffShown: boolean;
  onUndo: () => void;
  onDecide: (requestId: string, decision: ApprovalDecision) => void;
}

const Entry = memo(({ entry, canUndo, first, diffShown, onUndo, onDecide }: EntryProps) => {
  switch (entry.kind) {
    case 'user': return <UserMessage entry={entry} />;
    case 'assistant': return <AssistantMessage entry={entry} />;
    case 'tool': return <ToolCall entry={entry} />;
    case 'patch': return <PatchView entry={entry} canUndo={canUndo} onUndo={onUndo} />;
    case 'approval': return <ApprovalCard entry={entry} first={first} diffShown={diffShown} onDecide={onDecide} />;
    case 'steer': return <SteerNote entry={entry} />;
    case 'notice': return <Notice entry={entry} />;
  }
});

export interface TranscriptProps {
  entries: readonly TranscriptEntry[];
  undoable: boolean;
  activity: string;
  running: boolean;
  onUndo: () => void;
  onDecide: (requestId: string, decision: ApprovalDecision) => void;
}

/** The conversation; only entries that changed re-render (entries are immutable, see memo). */
export function Transcript({ entries, undoable, activity, running, onUndo, onDecide }: TranscriptProps) {
  const scroll = useStickToBottom(entries);
  // Undo restores the last patch that stands: only its button is offered.
  const lastPatch = undoable ? entries.findLast((entry) => entry.kind === 'patch' && entry.applied !== null && entry.undone === null) : undefined;
  const firstPending = entries.find((entry) => entry.kind === 'approval' && entry.decision === null);
  const patchCalls = new Set(entries.flatMap((entry) => (entry.kind === 'patch' ? [entry.callId] : [])));
  return (
    <section class="transcript" data-testid="transcript" aria-label="Conversation" aria-live="polite" tabIndex={-1}
      ref={(element) => { scroll.ref.current = element; }} onScroll={scroll.onScroll}>
      {entries.length === 0 ? <div class="empty">Ask about this workspace. Enter sends; the answer streams here.</div> : null}
      {entries.map((entry) => (
        <Entry key={entry.key} entry={entry} canUndo={entry === lastPatch} first={entry === firstPending}
          diffShown={entry.kind === 'approval' && patchCalls.has(entry.callId)} onUndo={onUndo} onDecide={onDecide} />
      ))}
      {running && activity !== '' ? <div class="activity" data-testid="activity"><span class="spinner" aria-hidden="true" />{activity}</div> : null}
    </section>
  );
}

/** The transcript subscribed to the store itself: a store flush re-renders it (and, memoised, only the entries that changed), not the page. */
export function LiveTranscript({ store, onUndo, onDecide }: { store: ThreadStore } & Pick<TranscriptProps, 'onUndo' | 'onDecide'>) {
  const view = useStoreSlice(store, transcriptOf);
  return <Transcript entries={view.entries} undoable={view.undoable} activity={view.activity} running={view.running} onUndo={onUndo} onDecide={onDecide} />;
}

function transcriptOf(view: ThreadView): Pick<TranscriptProps, 'entries' | 'undoable' | 'activity' | 'running'> {
  return { entries: view.entries, undoable: view.undoable, activity: view.activity, running: view.running };
}
