import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import { MarkdownChunker } from '../markdown/markdown-chunks.js';
import { renderMarkdown } from '../markdown/render-markdown.js';
import { memo } from './memo.js';

const MarkdownChunk = memo(({ text, done }: { text: string; done: boolean }) => (
  <div class={done ? 'md-chunk done' : 'md-chunk'} dangerouslySetInnerHTML={{ __html: renderMarkdown(text) }} />
));

/**
 * Markdown as it streams: closed chunks are memoised, so each frame re-parses only the last
 * one, and the chunker scans only the text that arrived since the last frame. The store
 * notifies at most every STREAM_REDRAW_MS while streaming. Closed chunks are marked `done`: the
 * browser may skip their layout and paint while they are off screen.
 */
export function MarkdownView({ text, streaming = false }: { text: string; streaming?: boolean }) {
  const chunker = useRef<MarkdownChunker | null>(null);
  chunker.current ??= new MarkdownChunker();
  const chunks = chunker.current.chunks(text);
  const last = chunks.length - 1;
  return (
    <div class="markdown">
      {chunks.map((chunk, index) => (streaming && index === last ? <StreamingTail key={index} text={chunk} /> : <MarkdownChunk key={index} text={chunk} done />))}
    </div>
  );
}

/**
 * The chunk still growing, split again at every blank line outside a code fence: the parts
 * before the last never change, so a frame re-parses (and sanitises, and lays out) only the
 * block being written, a paragraph or a list, not the whole chunk. When the chunk closes it is
 * drawn once as one piece (a list continued after a blank line joins up again then).
 */
function StreamingTail({ text }: { text: string }) {
  const chunker = useRef<MarkdownChunker | null>(null);
  chunker.current ??= new MarkdownChunker(1);
  const parts = chunker.current.chunks(text);
  const last = parts.length - 1;
  return <>{parts.map((part, index) => <MarkdownChunk key={index} text={part} done={index < last} />)}</>;
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
  // Before the paint, in the commit that grew the page: the layout this reads is the one the
  // frame needs anyway, and the scroll lands in the same frame (an effect after the paint would
  // lay out and paint a second time).
  useLayoutEffect(() => {
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
