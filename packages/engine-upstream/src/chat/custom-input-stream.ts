import { customToolInput } from './custom-tool-input.js';

const PREFIX = /^\s*\{\s*"input"\s*:\s*"/;
/** A prefix that may still grow into PREFIX (so keep waiting). */
const MAYBE_PREFIX = /^\s*(\{\s*("(i(n(p(u(t("\s*(:\s*)?)?)?)?)?)?)?)?)?$/;
const ESCAPES: Readonly<Record<string, string>> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

/**
 * Unwraps a custom tool's input from the function-call arguments that carry it
 * (`{"input": "<text>"}`) while they stream, so the client sees the tool input itself grow
 * (Codex's apply_patch shows its patch live). JSON string escapes split across deltas, `\uXXXX`
 * and surrogate pairs included, are decoded as they complete. Arguments of any other shape
 * stream nothing; `end` then gives the input whole (via `customToolInput`).
 */
export class CustomInputStream {
  private raw = '';
  private state: 'prefix' | 'string' | 'done' | 'other' = 'prefix';
  /** Undecoded text of the string so far (an escape cut in half waits here). */
  private pending = '';
  private streamed = '';
  private highSurrogate = '';

  /** Raw argument text in, decoded input text out ('' when nothing new is certain yet). */
  push(delta: string): string {
    this.raw += delta;
    if (this.state === 'prefix') {
      const match = PREFIX.exec(this.raw);
      if (!match) {
        if (!MAYBE_PREFIX.test(this.raw)) this.state = 'other';
        return '';
      }
      this.state = 'string';
      this.pending = this.raw.slice(match[0].length);
    } else if (this.state === 'string') {
      this.pending += delta;
    } else {
      return '';
    }
    const out = this.decode();
    this.streamed += out;
    return out;
  }

  /** The whole argument text received. */
  get arguments(): string {
    return this.raw;
  }

  /** The decoded input, and what of it was not streamed yet (a top-up when it only extends the stream). */
  end(): { input: string; rest: string } {
    const input = customToolInput(this.raw);
    const whole = input === this.raw && this.state === 'string' ? this.streamed : input;
    return { input: whole, rest: whole.startsWith(this.streamed) ? whole.slice(this.streamed.length) : '' };
  }

  private decode(): string {
    let out = '';
    let index = 0;
    const text = this.pending;
    while (index < text.length) {
      const char = text[index] ?? '';
      if (char === '"') {
        this.state = 'done';
        this.pending = '';
        return out;
      }
      if (char !== '\\') {
        out += this.flushSurrogate() + char;
        index += 1;
        continue;
      }
      const next = text[index + 1];
      if (next === undefined) break;
      if (next === 'u') {
        const hex = text.slice(index + 2, index + 6);
        if (hex.length < 4) break;
        const code = Number.parseInt(hex, 16);
        index += 6;
        if (Number.isNaN(code)) continue;
        if (code >= 0xd800 && code <= 0xdbff) {
          out += this.flushSurrogate();
          this.highSurrogate = String.fromCharCode(code);
        } else {
          const high = this.highSurrogate;
          this.highSurrogate = '';
          out += high + String.fromCharCode(code);
        }
        continue;
      }
      out += this.flushSurrogate() + (ESCAPES[next] ?? next);
      index += 2;
    }
    this.pending = text.slice(index);
    return out;
  }

  private flushSurrogate(): string {
    const high = this.highSurrogate;
    this.highSurrogate = '';
    return high;
  }
}
