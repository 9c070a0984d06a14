import { useEffect, useRef, useState } from 'preact/hooks';
import { markdownChunks } from '../markdown/markdown-chunks.js';
import { renderMarkdown } from '../markdown/render-markdown.js';
import { memo } from './memo.js';

const MarkdownChunk = memo(({ text }: { text: string }) => (
  <div class="md-chunk" dangerouslySetInnerHTML={{ __html: renderMarkdown(text) }} />
));

/**
 * Markdown as it streams: closed chunks are memoised, so each frame re-parses only the last
 * one. The store notifies once per animation frame, so this renders at most once per frame.
 */
export function MarkdownView({ text }: { text: string }) {
  const chunks = markdownChunks(text);
  return (
    <div class="markdown">
      {chunks.map((chunk, index) => <MarkdownChunk key={index} text={chunk} />)}
    </div>
  );
}

/** Shows `text` once the user opens it (tool outputs can be long; most are never opened). */
export function useOpened(): [boolean, (event: Event) => void] {
  const [opened, setOpened] = useState(false);
  return [opened, (event: Event) => { if ((event.currentTarget as HTMLDetailsElement).open) setOpened(true); }];
}

/** Keeps a scroll container pinned to its bottom while the user has not scrolled up. */
export function useStickToBottom(dependency: unknown): { ref: { current: HTMLElement | null }; onScroll: () => void } {
  const ref = useRef<HTMLElement | null>(null);
  const pinned = useRef(true);
  useEffect(() => {
    const element = ref.current;
    if (element !== null && pinned.current) element.scrollTop = element.scrollHeight;
  }, [dependency]);
  return {
    ref,
    onScroll: () => {
      const element = ref.current;
      if (element !== null) pinned.current = element.scrollHeight - element.scrollTop - element.clientHeight < 48;
    },
  };
}
