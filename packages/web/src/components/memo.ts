import { Component, type ComponentChild, type FunctionComponent } from 'preact';

/**
 * A component that re-renders only when a prop changed (shallow, by identity): transcript
 * entries are immutable, so an entry that did not change is not even diffed. (preact/compat's
 * memo would pull in all of compat for this.)
 */
export function memo<P extends object>(render: FunctionComponent<P>): FunctionComponent<P> {
  class Memo extends Component<P> {
    override shouldComponentUpdate(next: P): boolean {
      const previous = this.props as Record<string, unknown>;
      const incoming = next as Record<string, unknown>;
      for (const key in incoming) if (key !== 'children' && previous[key] !== incoming[key]) return true;
      for (const key in previous) if (!(key in incoming)) return true;
      return false;
    }

    override render(): ComponentChild {
      return render(this.props);
    }
  }
  return Memo as unknown as FunctionComponent<P>;
}
