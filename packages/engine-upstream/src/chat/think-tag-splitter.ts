const OPEN = '<think>';
const CLOSE = '</think>';

/** One piece of content, told apart as reasoning (inside `<think>...</think>`) or answer text. */
export interface ThinkPiece {
  kind: 'text' | 'reasoning';
  text: string;
}

/**
 * Splits streamed content on `<think>` / `</think>` (DeepSeek-R1, Qwen3 and QwQ on servers that
 * do not separate reasoning themselves). Tags may be split across deltas: a tail that could be
 * the start of a tag is held back until the next delta (or `end`) decides it.
 */
export class ThinkTagSplitter {
  private inside = false;
  private held = '';

  push(delta: string): ThinkPiece[] {
    const pieces: ThinkPiece[] = [];
    let text = this.held + delta;
    this.held = '';
    for (;;) {
      const tag = this.inside ? CLOSE : OPEN;
      const at = text.indexOf(tag);
      if (at >= 0) {
        this.emit(pieces, text.slice(0, at));
        text = text.slice(at + tag.length);
        this.inside = !this.inside;
        continue;
      }
      const keep = partialTagLength(text, tag);
      this.emit(pieces, text.slice(0, text.length - keep));
      this.held = text.slice(text.length - keep);
      return pieces;
    }
  }

  /** Whatever was held back, as it stands (an unclosed `<think>` stays reasoning). */
  end(): ThinkPiece[] {
    const pieces: ThinkPiece[] = [];
    this.emit(pieces, this.held);
    this.held = '';
    return pieces;
  }

  private emit(pieces: ThinkPiece[], text: string): void {
    if (text !== '') pieces.push({ kind: this.inside ? 'reasoning' : 'text', text });
  }
}

/** The length of the longest suffix of `text` that is a proper prefix of `tag`. */
function partialTagLength(text: string, tag: string): number {
  for (let length = Math.min(tag.length - 1, text.length); length > 0; length -= 1) {
    if (text.endsWith(tag.slice(0, length))) return length;
  }
  return 0;
}
