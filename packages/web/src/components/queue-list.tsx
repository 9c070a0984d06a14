export interface QueueListProps {
  queued: readonly string[];
  editing: number | null;
  onEdit: (index: number) => void;
  onPromote: (index: number) => void;
  onRemove: (index: number) => void;
}

/** Messages waiting for the running turn to end: each editable, sendable now (as a steer) or removable. */
export function QueueList({ queued, editing, onEdit, onPromote, onRemove }: QueueListProps) {
  if (queued.length === 0) return null;
  return (
    <ol class="queue" data-testid="queue" aria-label="Queued messages">
      {queued.map((text, index) => (
        <li key={index} class={`queued${editing === index ? ' editing' : ''}`} data-testid="queued-item">
          <span class="queued-text">{text}</span>
          <button type="button" class="btn small" data-testid="queued-edit" onClick={() => { onEdit(index); }} aria-label={`Edit queued message ${index + 1}`}>Edit</button>
          <button type="button" class="btn small" data-testid="queued-promote" onClick={() => { onPromote(index); }} aria-label={`Send queued message ${index + 1} now`}>Send now</button>
          <button type="button" class="btn small" data-testid="queued-remove" onClick={() => { onRemove(index); }} aria-label={`Remove queued message ${index + 1}`}>×</button>
        </li>
      ))}
    </ol>
  );
}
