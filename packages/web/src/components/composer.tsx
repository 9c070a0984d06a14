import { useEffect, useRef } from 'preact/hooks';

/** Tallest the composer grows before it scrolls, in lines. */
export const COMPOSER_MAX_ROWS = 12;

export interface ComposerProps {
  text: string;
  onText: (text: string) => void;
  running: boolean;
  /** Index of the queued message being edited, or null. */
  editing: number | null;
  queuedCount: number;
  onSend: (text: string) => void;
  onQueue: (text: string) => void;
  onStop: () => void;
  onSaveEdit: (index: number, text: string | null) => void;
  onCancelEdit: () => void;
  onEditLastQueued: () => void;
  focusRef: { current: HTMLTextAreaElement | null };
  /** Context an embedding offers as `@` mentions (the editor's file and selection), drawn as chips; absent in the browser app. */
  mentions?: readonly string[];
  onMention?: (mention: string) => void;
}

/**
 * The message box: Enter sends (steers while a turn runs), Shift+Enter breaks the line, Tab
 * queues, Esc stops the turn at once; ↑ in an empty box edits the last queued message.
 */
export function Composer(props: ComposerProps) {
  const { text, running, editing } = props;
  const local = useRef<HTMLTextAreaElement | null>(null);
  useEffect(() => {
    const element = local.current;
    if (element === null) return;
    element.style.height = 'auto';
    const line = parseFloat(getComputedStyle(element).lineHeight) || 20;
    element.style.height = `${Math.min(element.scrollHeight, line * COMPOSER_MAX_ROWS + 16)}px`;
  }, [text]);

  const submit = (): void => {
    const trimmed = text.trim();
    if (editing !== null) { props.onSaveEdit(editing, trimmed === '' ? null : trimmed); return; }
    if (trimmed === '') return;
    props.onSend(trimmed);
  };
  const queue = (): void => {
    const trimmed = text.trim();
    if (trimmed !== '' && editing === null) props.onQueue(trimmed);
  };

  const onKeyDown = (event: KeyboardEvent): void => {
    if (event.isComposing) return;
    if (event.key === 'Enter' && !event.shiftKey && !event.altKey) {
      event.preventDefault();
      submit();
    } else if (event.key === 'Tab' && !event.shiftKey && text.trim() !== '' && editing === null) {
      // An empty box lets Tab move the focus on, so the page stays usable without a mouse.
      event.preventDefault();
      queue();
    } else if (event.key === 'Escape') {
      event.preventDefault();
      event.stopPropagation();
      if (editing !== null) props.onCancelEdit();
      else if (running) props.onStop();
    } else if (event.key === 'ArrowUp' && text === '' && editing === null && props.queuedCount > 0) {
      event.preventDefault();
      props.onEditLastQueued();
    }
  };

  const placeholder = editing !== null
    ? `Editing queued message ${editing + 1}: Enter saves (empty removes), Esc cancels`
    : running ? 'Steer the running turn (Enter), or queue a message (Tab)' : 'Ask anything (Enter sends, Shift+Enter new line)';
  return (
    <form class={`composer${editing !== null ? ' editing' : ''}`} onSubmit={(event) => { event.preventDefault(); submit(); }}>
      {props.mentions !== undefined && props.mentions.length > 0 && props.onMention !== undefined ? (
        <div class="mentions">
          {props.mentions.map((mention) => (
            <button type="button" class="chip" key={mention} data-testid="mention" title="Add to the message (Alt+I)"
              onClick={() => { props.onMention?.(mention); props.focusRef.current?.focus(); }}>@{mention}</button>
          ))}
        </div>
      ) : null}
      <textarea
        ref={(element) => { local.current = element; props.focusRef.current = element; }}
        data-testid="composer"
        aria-label="Message"
        rows={1}
        value={text}
        placeholder={placeholder}
        onInput={(event) => { props.onText(event.currentTarget.value); }}
        onKeyDown={onKeyDown}
      />
      <div class="composer-actions">
        {running ? <button type="button" class="btn danger" data-testid="stop" onClick={props.onStop} title="Stop now (Esc)">Stop</button> : null}
        {editing === null ? (
          <button type="button" class="btn" data-testid="queue-button" onClick={queue} disabled={text.trim() === ''} title="Queue after this turn (Tab)">Queue</button>
        ) : (
          <button type="button" class="btn" data-testid="cancel-edit" onClick={props.onCancelEdit} title="Cancel the edit (Esc)">Cancel</button>
        )}
        <button type="submit" class="btn primary" data-testid="send" disabled={editing === null && text.trim() === ''} title="Enter">
          {editing !== null ? 'Save' : running ? 'Steer' : 'Send'}
        </button>
      </div>
    </form>
  );
}
