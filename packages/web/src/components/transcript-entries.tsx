import type { ApprovalDecision } from '@spark/protocol';
import type { ApprovalEntry, AssistantEntry, NoticeEntry, PatchEntry, SteerEntry, ToolEntry, UserEntry } from '../store/transcript-entry.js';
import { DiffView } from './diff-view.js';
import { MarkdownView, useOpened } from './markdown-view.js';

/** Lines of a tool's output shown in its one-line summary before it is opened. */
export const TOOL_PREVIEW_CHARS = 120;

export function UserMessage({ entry }: { entry: UserEntry }) {
  return <div class="entry user" data-testid="user-message"><div class="bubble">{entry.text}</div></div>;
}

export function AssistantMessage({ entry }: { entry: AssistantEntry }) {
  return (
    <div class={`entry assistant${entry.streaming ? ' streaming' : ''}`} data-testid="assistant-message" data-streaming={entry.streaming ? 'true' : 'false'} aria-busy={entry.streaming}>
      <MarkdownView text={entry.text} streaming={entry.streaming} />
      {entry.partial ? <PartialNote stop={entry.stop} /> : null}
    </div>
  );
}

/** Why a partial answer ends where it does; nothing while the turn's end has not told yet. */
function PartialNote({ stop }: { stop: AssistantEntry['stop'] }) {
  if (stop === 'pending') return null;
  if (stop === 'length') return <div class="partial-note" data-testid="partial-note" data-stop="length">(cut off: the answer reached the output-token limit)</div>;
  return <div class="partial-note" data-testid="partial-note" data-stop="stopped">(stopped here)</div>;
}

export function ToolCall({ entry }: { entry: ToolEntry }) {
  const [opened, onToggle] = useOpened();
  const { title, detail } = describeCall(entry.name, entry.input);
  const result = entry.result;
  const state = result === null ? 'running' : result.ok ? 'ok' : 'failed';
  // While a command runs its output streams below the fold; the finished result is folded as usual.
  const live = result === null && entry.live !== '' ? lastLines(entry.live, LIVE_OUTPUT_LINES) : null;
  return (
    <>
    <details class={`entry tool tool-${state}`} data-testid="tool-call" data-tool={entry.name} onToggle={onToggle}>
      <summary>
        <span class="tool-dot" aria-hidden="true" />
        <span class="tool-name">{title}</span>
        <code class="tool-detail">{detail}</code>
        <span class="tool-meta">
          {result === null ? 'running…' : `${result.exitCode !== null ? `exit ${result.exitCode} · ` : ''}${result.durationMs !== null ? `${Math.round(result.durationMs)} ms` : result.ok ? 'done' : 'failed'}`}
        </span>
      </summary>
      {opened ? (
        <div class="tool-body">
          {entry.name === 'shell' ? null : <pre class="tool-input">{entry.input}</pre>}
          {result === null ? null : <pre class="tool-output" data-testid="tool-output">{result.output === '' ? '(no output)' : result.output}</pre>}
        </div>
      ) : null}
    </details>
    {live === null ? null : <pre class="tool-output tool-live" data-testid="tool-output-live">{live}</pre>}
    </>
  );
}

/** Lines of a running command's output shown under its call. */
const LIVE_OUTPUT_LINES = 12;

function lastLines(text: string, count: number): string {
  const lines = (text.endsWith('\n') ? text.slice(0, -1) : text).split('\n');
  return lines.slice(-count).join('\n');
}

export function PatchView({ entry, canUndo, onUndo }: { entry: PatchEntry; canUndo: boolean; onUndo: () => void }) {
  const failed = entry.result !== null && !entry.result.ok;
  return (
    <div class={`entry patch${entry.undone !== null ? ' undone' : ''}`} data-testid="patch">
      <div class="patch-head">
        <span class="patch-title">{entry.undone !== null ? 'Patch undone' : entry.applied !== null ? 'Patch applied' : failed ? 'Patch failed' : entry.result === null ? 'Applying patch…' : 'Patch'}</span>
        {canUndo ? <button type="button" class="btn small" data-testid="undo" onClick={onUndo} title="Undo this patch (Alt+U)">Undo</button> : null}
      </div>
      <DiffView patch={entry.patch} />
      {failed ? <pre class="tool-output failed">{entry.result?.output}</pre> : null}
    </div>
  );
}

const DECISION_TEXT: Record<ApprovalDecision, string> = { approve: 'Approved', approve_session: 'Approved for this session', deny: 'Denied' };

/** `diffShown`: the patch entry of the same call stands above the card with its diff, so the card names the files only. */
export function ApprovalCard({ entry, first, diffShown, onDecide }: {
  entry: ApprovalEntry; first: boolean; diffShown: boolean; onDecide: (requestId: string, decision: ApprovalDecision) => void;
}) {
  const request = entry.request;
  const pending = entry.decision === null;
  return (
    <div class={`entry approval${pending ? ' pending' : ''}`} data-testid="approval" data-state={pending ? 'pending' : entry.decision} role={pending ? 'alert' : undefined}>
      <div class="approval-head">{request.kind === 'shell' ? 'Run this command?' : 'Apply this patch?'}</div>
      {request.kind === 'shell' ? <pre class="approval-command">{request.command}</pre>
        : diffShown ? <div class="approval-paths" data-testid="approval-paths">{request.paths.join(', ')} (diff above)</div> : <DiffView patch={request.patch} />}
      {entry.reason === '' ? null : <div class="approval-reason">{entry.reason}</div>}
      {pending ? (
        <div class="approval-actions">
          <button type="button" class="btn primary" data-testid="approve" onClick={() => { onDecide(entry.requestId, 'approve'); }} title={first ? 'Alt+Y' : undefined}>Approve</button>
          <button type="button" class="btn" data-testid="approve-session" onClick={() => { onDecide(entry.requestId, 'approve_session'); }} title={first ? 'Alt+S' : undefined}>Approve for this session</button>
          <button type="button" class="btn danger" data-testid="deny" onClick={() => { onDecide(entry.requestId, 'deny'); }} title={first ? 'Alt+D' : undefined}>Deny</button>
        </div>
      ) : <div class="approval-decision" data-testid="approval-decision">{DECISION_TEXT[entry.decision ?? 'deny']}</div>}
    </div>
  );
}

export function SteerNote({ entry }: { entry: SteerEntry }) {
  return <div class={`entry steer steer-${entry.state}`} data-testid="steer">↳ {entry.state === 'sent' ? 'steering' : 'steered'}: {entry.text}</div>;
}

export function Notice({ entry }: { entry: NoticeEntry }) {
  return <div class={`entry notice notice-${entry.level}`} data-testid={`notice-${entry.level}`} role={entry.level === 'error' ? 'alert' : undefined}>{entry.text}</div>;
}

/** A call's one-line description: a shell command as written, other tools' arguments as key=value. */
function describeCall(name: string, input: string): { title: string; detail: string } {
  let args: unknown;
  try {
    args = JSON.parse(input);
  } catch {
    return { title: name, detail: input.slice(0, TOOL_PREVIEW_CHARS) };
  }
  if (typeof args !== 'object' || args === null) return { title: name, detail: input.slice(0, TOOL_PREVIEW_CHARS) };
  const record = args as Record<string, unknown>;
  if (name === 'shell' && typeof record['command'] === 'string') return { title: '$', detail: record['command'].slice(0, TOOL_PREVIEW_CHARS * 4) };
  const detail = Object.entries(record)
    .filter(([, value]) => value !== '' && value !== 0 && value !== null)
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(' ');
  return { title: name, detail: detail.slice(0, TOOL_PREVIEW_CHARS) };
}
