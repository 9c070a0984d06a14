// Raw-mode stdin bytes to key events. Unlike node's readline, a lone ESC is reported at once
// (Esc stops generation immediately); only a sequence already known to be incomplete (ESC [,
// ESC O, a CSI without its final byte, an unfinished bracketed paste) waits for the next chunk.

/** Named keys. */
export type KeyName =
  | 'escape' | 'enter' | 'tab' | 'shift-tab' | 'backspace' | 'delete' | 'insert'
  | 'up' | 'down' | 'left' | 'right' | 'home' | 'end' | 'pageup' | 'pagedown';

/** One thing the user did at the keyboard. */
export type KeyEvent =
  | { readonly type: 'key'; readonly name: KeyName; readonly ctrl?: boolean; readonly meta?: boolean; readonly shift?: boolean }
  /** Printable text; several characters when typed faster than one chunk. With meta: Alt+char. */
  | { readonly type: 'char'; readonly text: string; readonly meta?: boolean }
  /** Ctrl+letter (ctrl-c is { type: 'ctrl', key: 'c' }). Ctrl-H, -I, -J, -M arrive as keys. */
  | { readonly type: 'ctrl'; readonly key: string; readonly meta?: boolean }
  /** Bracketed paste, line endings normalised to '\n'. */
  | { readonly type: 'paste'; readonly text: string };

/** Options of `KeyParser`. */
export interface KeyParserOptions {
  /** Longest escape sequence kept waiting for its end; longer garbage is dropped (default 64). */
  readonly maxSequenceLength?: number;
}

const DEFAULT_MAX_SEQUENCE = 64;
const PASTE_END = '\x1b[201~';

interface Modifiers {
  readonly ctrl: boolean;
  readonly meta: boolean;
  readonly shift: boolean;
}

const NONE: Modifiers = { ctrl: false, meta: false, shift: false };

/** xterm modifier parameter (1 + shift*1 + alt*2 + ctrl*4 + meta*8) to flags. */
function modifiers(param: number | undefined): Modifiers {
  if (param === undefined || param < 2) return NONE;
  const m = param - 1;
  return { shift: (m & 1) !== 0, meta: (m & 2) !== 0 || (m & 8) !== 0, ctrl: (m & 4) !== 0 };
}

function key(name: KeyName, mods: Modifiers = NONE): KeyEvent {
  return {
    type: 'key',
    name,
    ...(mods.ctrl ? { ctrl: true } : {}),
    ...(mods.meta ? { meta: true } : {}),
    ...(mods.shift ? { shift: true } : {}),
  };
}

function ctrlKey(letter: string, meta: boolean): KeyEvent {
  return meta ? { type: 'ctrl', key: letter, meta: true } : { type: 'ctrl', key: letter };
}

/** A C0 control byte (or DEL) as an event; null for ones with no meaning here. */
function controlEvent(code: number, meta: boolean): KeyEvent | null {
  const mods: Modifiers = meta ? { ctrl: false, meta: true, shift: false } : NONE;
  if (code === 0x0d || code === 0x0a) return key('enter', mods);
  if (code === 0x09) return key('tab', mods);
  if (code === 0x7f || code === 0x08) return key('backspace', mods);
  if (code >= 0x01 && code <= 0x1a) return ctrlKey(String.fromCharCode(code + 0x60), meta);
  return null;
}

/** A key code from CSI-u / modifyOtherKeys (a Unicode code point) with modifiers. */
function codePointEvent(code: number, mods: Modifiers): KeyEvent | null {
  if (code === 13) return key('enter', mods);
  if (code === 9) return mods.shift ? key('shift-tab', { ...mods, shift: false }) : key('tab', mods);
  if (code === 27) return key('escape', mods);
  if (code === 127 || code === 8) return key('backspace', mods);
  if (code < 0x20) return null;
  const text = String.fromCodePoint(code);
  if (mods.ctrl && /^[a-z]$/i.test(text)) return ctrlKey(text.toLowerCase(), mods.meta);
  return mods.meta ? { type: 'char', text, meta: true } : { type: 'char', text };
}

const TILDE_KEYS: Readonly<Record<number, KeyName>> = { 1: 'home', 2: 'insert', 3: 'delete', 4: 'end', 5: 'pageup', 6: 'pagedown', 7: 'home', 8: 'end' };
const LETTER_KEYS: Readonly<Record<string, KeyName>> = { A: 'up', B: 'down', C: 'right', D: 'left', H: 'home', F: 'end' };

/** Meaning of a complete CSI sequence; 'paste' opens a bracketed paste; null: ignored. */
function csiEvent(params: string, final: string): KeyEvent | 'paste' | null {
  if (params.startsWith('<') || params.startsWith('?') || params.startsWith('>')) return null; // mouse, reports
  const nums = params === '' ? [] : params.split(';').map((p) => Number.parseInt(p.split(':')[0] ?? '', 10));
  const letter = LETTER_KEYS[final];
  if (letter !== undefined) return key(letter, modifiers(nums[1]));
  if (final === 'Z') return key('shift-tab');
  if (final === '~') {
    const n = nums[0] ?? 0;
    if (n === 200) return 'paste';
    if (n === 27) return codePointEvent(nums[2] ?? 0, modifiers(nums[1])); // xterm modifyOtherKeys
    const name = TILDE_KEYS[n];
    return name === undefined ? null : key(name, modifiers(nums[1]));
  }
  if (final === 'u') return codePointEvent(nums[0] ?? 0, modifiers(nums[1])); // kitty / fixterms CSI u
  return null;
}

const SS3_KEYS: Readonly<Record<string, KeyName>> = { A: 'up', B: 'down', C: 'right', D: 'left', H: 'home', F: 'end', M: 'enter' };

type Parsed = { readonly event: KeyEvent | 'paste' | null; readonly end: number } | 'incomplete';

function isPrintable(code: number): boolean {
  return code >= 0x20 && code !== 0x7f && !(code >= 0x80 && code < 0xa0);
}

/** Turns raw-mode stdin chunks into key events; keeps incomplete sequences between chunks. */
export class KeyParser {
  private readonly decoder = new TextDecoder('utf-8');
  private readonly maxSequence: number;
  private pending = '';
  private paste: string | null = null;
  /** The last chunk ended in an ESC that was reported as the Escape key. */
  private endedInEscape = false;

  constructor(options: KeyParserOptions = {}) {
    this.maxSequence = options.maxSequenceLength ?? DEFAULT_MAX_SEQUENCE;
  }

  /** Whether a bracketed paste has started and not yet ended. */
  get inPaste(): boolean {
    return this.paste !== null;
  }

  /** Parses one chunk; UTF-8 split across Buffer chunks is reassembled. */
  feed(chunk: Buffer | Uint8Array | string): KeyEvent[] {
    const text = typeof chunk === 'string' ? chunk : this.decoder.decode(chunk, { stream: true });
    // A sequence split right after its ESC (over a slow link): the Escape key was already
    // reported, but the rest is still read as the sequence rather than typed text.
    const resumesSequence = this.endedInEscape && this.pending === '' && this.paste === null && (text.startsWith('[') || text.startsWith('O'));
    const s = (resumesSequence ? '\x1b' : this.pending) + text;
    this.pending = '';
    this.endedInEscape = false;
    const events: KeyEvent[] = [];
    let chars = '';
    const flushChars = (): void => {
      if (chars !== '') { events.push({ type: 'char', text: chars }); chars = ''; }
    };
    let i = 0;
    while (i < s.length) {
      if (this.paste !== null) {
        const end = s.indexOf(PASTE_END, i);
        if (end < 0) {
          const keep = partialSuffix(s, i, PASTE_END);
          this.paste += s.slice(i, s.length - keep);
          this.pending = s.slice(s.length - keep);
          break;
        }
        events.push({ type: 'paste', text: normalizeNewlines(this.paste + s.slice(i, end)) });
        this.paste = null;
        i = end + PASTE_END.length;
        continue;
      }
      const c = s.charCodeAt(i);
      if (c === 0x1b) {
        flushChars();
        const parsed = this.escape(s, i);
        if (parsed === 'incomplete') { this.pending = s.slice(i); break; }
        if (i === s.length - 1) this.endedInEscape = true;
        if (parsed.event === 'paste') this.paste = '';
        else if (parsed.event !== null) events.push(parsed.event);
        i = parsed.end;
        continue;
      }
      if (!isPrintable(c)) {
        flushChars();
        const event = controlEvent(c, false);
        if (event !== null) events.push(event);
        i += c === 0x0d && s.charCodeAt(i + 1) === 0x0a ? 2 : 1;
        continue;
      }
      let j = i + 1;
      while (j < s.length && isPrintable(s.charCodeAt(j))) j++;
      chars += s.slice(i, j);
      i = j;
    }
    flushChars();
    return events;
  }

  /**
   * Gives up waiting on an incomplete escape sequence and reports what it most likely was
   * (ESC [ alone is Alt+[). Call it from an idle timer if you want that; a paste keeps waiting.
   */
  flush(): KeyEvent[] {
    const pending = this.pending;
    this.pending = '';
    if (this.paste !== null) { this.paste += pending; return []; }
    if (pending === '') return [];
    const second = pending[1];
    if (pending.length === 2 && second !== undefined) return [{ type: 'char', text: second, meta: true }];
    return [key('escape')];
  }

  /** Parses the escape sequence at s[i] (an ESC). */
  private escape(s: string, i: number): Parsed {
    if (i + 1 >= s.length) return { event: key('escape'), end: i + 1 };
    const next = s.charCodeAt(i + 1);
    if (next === 0x5b) return this.csi(s, i, i + 2);
    if (next === 0x4f) { // SS3
      if (i + 2 >= s.length) return 'incomplete';
      const name = SS3_KEYS[s[i + 2] ?? ''];
      return { event: name === undefined ? null : key(name), end: i + 3 };
    }
    if (next === 0x1b) {
      // ESC ESC [ ... : Alt+key in some terminals; otherwise two Escape presses.
      const third = s.charCodeAt(i + 2);
      if (third === 0x5b || third === 0x4f) {
        const inner = this.escape(s, i + 1);
        if (inner === 'incomplete') return inner;
        const event = inner.event;
        if (event !== null && event !== 'paste' && event.type === 'key') return { event: { ...event, meta: true }, end: inner.end };
        return inner;
      }
      return { event: key('escape'), end: i + 1 };
    }
    if (!isPrintable(next)) return { event: controlEvent(next, true), end: i + 2 };
    const cp = s.codePointAt(i + 1) ?? next;
    const size = cp > 0xffff ? 2 : 1;
    return { event: { type: 'char', text: s.slice(i + 1, i + 1 + size), meta: true }, end: i + 1 + size };
  }

  private csi(s: string, start: number, from: number): Parsed {
    for (let j = from; j < s.length; j++) {
      const c = s.charCodeAt(j);
      if (c >= 0x40 && c <= 0x7e) return { event: csiEvent(s.slice(from, j), s[j] ?? ''), end: j + 1 };
      if (c < 0x20 || c > 0x3f) {
        // Not a CSI after all (e.g. Alt+[ then a control key): report Alt+[ and go on from here.
        return { event: { type: 'char', text: '[', meta: true }, end: from };
      }
    }
    if (s.length - start > this.maxSequence) return { event: null, end: s.length };
    return 'incomplete';
  }
}

/** Length of the longest suffix of s[from..] that is a proper prefix of `marker`. */
function partialSuffix(s: string, from: number, marker: string): number {
  const max = Math.min(marker.length - 1, s.length - from);
  for (let len = max; len > 0; len--) {
    if (s.endsWith(marker.slice(0, len))) return len;
  }
  return 0;
}

function normalizeNewlines(text: string): string {
  return text.replace(/\r\n?/g, '\n');
}
