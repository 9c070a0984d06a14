/**
 * Finds where a streamed JSON value ends, without parsing it: brace/bracket depth with string and
 * escape awareness. Used to stop a grammar-constrained call or structured output the moment its
 * top-level value is complete (node-llama-cpp's JSON grammars demand trailing newlines we skip).
 */
export class JsonCompletionScanner {
  private depth = 0;
  private inString = false;
  private escaped = false;
  private started = false;
  private complete = false;
  /** A bare top-level literal or number being read (`true`, `-12.5`, ...). */
  private bareValue = '';

  /** True once the top-level value has ended. */
  get done(): boolean {
    return this.complete;
  }

  /**
   * Feeds the next chunk. Returns the index in `chunk` just past the end of the top-level value,
   * or -1 while it is still open. After completion every further push returns 0.
   */
  push(chunk: string): number {
    if (this.complete) return 0;
    for (let i = 0; i < chunk.length; i++) {
      const char = chunk[i] ?? '';
      if (!this.started) {
        if (isJsonWhitespace(char)) continue;
        this.started = true;
        if (char === '{' || char === '[') { this.depth = 1; continue; }
        if (char === '"') { this.inString = true; continue; }
        this.bareValue = char;
        if (isCompleteLiteral(this.bareValue)) return this.finish(i + 1);
        continue;
      }
      if (this.bareValue !== '') {
        // A top-level number or literal ends at the first character that cannot extend it.
        if (/[0-9a-zA-Z.+-]/.test(char)) {
          this.bareValue += char;
          if (isCompleteLiteral(this.bareValue)) return this.finish(i + 1);
          continue;
        }
        return this.finish(i);
      }
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (char === '\\') this.escaped = true;
        else if (char === '"') {
          this.inString = false;
          if (this.depth === 0) return this.finish(i + 1);
        }
        continue;
      }
      if (char === '"') this.inString = true;
      else if (char === '{' || char === '[') this.depth += 1;
      else if (char === '}' || char === ']') {
        this.depth -= 1;
        if (this.depth === 0) return this.finish(i + 1);
      }
    }
    return -1;
  }

  private finish(index: number): number {
    this.complete = true;
    return index;
  }
}

function isJsonWhitespace(char: string): boolean {
  return char === ' ' || char === '\n' || char === '\r' || char === '\t';
}

function isCompleteLiteral(value: string): boolean {
  return value === 'true' || value === 'false' || value === 'null';
}
