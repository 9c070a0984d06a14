import type { ModelInfo } from '@spark/host/wire';

/** The models the host's server serves (local and upstream); picking one sends `set_model`. */
export function ModelPicker({ models, model, disabled, onPick, selectRef }: {
  models: readonly ModelInfo[];
  model: string;
  disabled: boolean;
  onPick: (model: string) => void;
  selectRef: { current: HTMLSelectElement | null };
}) {
  const listed = models.some((entry) => entry.id === model);
  return (
    <label class="model-picker">
      <span class="visually-hidden">Model</span>
      <select ref={(element) => { selectRef.current = element; }} data-testid="model-picker" value={model} disabled={disabled}
        title={disabled ? 'The model can change between turns (Alt+M)' : 'Model (Alt+M)'}
        onChange={(event) => { onPick(event.currentTarget.value); }}>
        {listed || model === '' ? null : <option value={model}>{model}</option>}
        {models.map((entry) => <option key={entry.id} value={entry.id}>{entry.id} · {entry.owned_by}</option>)}
      </select>
    </label>
  );
}
