import { useEffect, useState } from 'preact/hooks';
import type { ThreadStore, ThreadView } from '../store/thread-store.js';

/**
 * The part of the store's view that `select` picks, re-read on every store flush but handed to
 * the component (re-rendering it) only when one of its fields changed identity. Each part of the
 * page subscribes to what it draws: a flush during a stream re-renders the transcript, not the
 * sidebar, composer and status bar around it. `select` must return a flat object of fields.
 */
export function useStoreSlice<T extends object>(store: ThreadStore, select: (view: ThreadView) => T): T {
  const [slice, setSlice] = useState(() => select(store.view));
  useEffect(() => {
    const update = (): void => { setSlice((previous) => { const next = select(store.view); return sameFields(previous, next) ? previous : next; }); };
    update();
    return store.subscribe(update);
    // `select` is a module-level function in every caller: the subscription depends on the store only.
  }, [store]);
  return slice;
}

function sameFields(a: object, b: object): boolean {
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  for (const key in right) if (left[key] !== right[key]) return false;
  for (const key in left) if (!(key in right)) return false;
  return true;
}
