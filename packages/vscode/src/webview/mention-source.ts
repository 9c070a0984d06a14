import type { ContextMentions } from '@spark/web/insert-mention';

/** The mentions the extension last offered (the active file and selection), for the composer's chips. */
export class MentionSource implements ContextMentions {
  current: readonly string[] = [];
  private readonly listeners = new Set<() => void>();

  set(mentions: readonly string[]): void {
    if (mentions.length === this.current.length && mentions.every((mention, i) => mention === this.current[i])) return;
    this.current = mentions;
    for (const listener of [...this.listeners]) listener();
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => { this.listeners.delete(listener); };
  }
}
