// Terminal escape sequences: SGR style helpers (switchable off for NO_COLOR / pipes) and the
// cursor, erase and mode sequences the live region writes.

/** Text styling functions; with `enabled` false every function returns its input unchanged. */
export interface Style {
  readonly enabled: boolean;
  readonly bold: (text: string) => string;
  readonly dim: (text: string) => string;
  readonly italic: (text: string) => string;
  readonly underline: (text: string) => string;
  readonly inverse: (text: string) => string;
  readonly strikethrough: (text: string) => string;
  readonly red: (text: string) => string;
  readonly green: (text: string) => string;
  readonly yellow: (text: string) => string;
  readonly blue: (text: string) => string;
  readonly magenta: (text: string) => string;
  readonly cyan: (text: string) => string;
  readonly gray: (text: string) => string;
}

export const ESC = '\x1b';
export const CSI = '\x1b[';
/** SGR 0: clears every attribute and colour. */
export const RESET = '\x1b[0m';

/**
 * Builds one style function. Attributes close with their specific code (22, 23, 39, ...) so
 * styles nest; when an inner close would also end the outer style (bold and dim share 22, all
 * foreground colours share 39) the outer style is re-opened after it, as chalk does.
 */
function styler(open: number, close: number): (text: string) => string {
  const openSeq = `${CSI}${open}m`;
  const closeSeq = `${CSI}${close}m`;
  return (text) => {
    if (text === '') return '';
    const inner = text.includes(closeSeq) ? text.split(closeSeq).join(closeSeq + openSeq) : text;
    return openSeq + inner + closeSeq;
  };
}

const identity = (text: string): string => text;

/** Returns the colour style when `enabled`, else a style whose functions are the identity. */
export function createStyle(enabled: boolean): Style {
  if (!enabled) {
    return {
      enabled: false,
      bold: identity, dim: identity, italic: identity, underline: identity, inverse: identity,
      strikethrough: identity, red: identity, green: identity, yellow: identity, blue: identity,
      magenta: identity, cyan: identity, gray: identity,
    };
  }
  return {
    enabled: true,
    bold: styler(1, 22),
    dim: styler(2, 22),
    italic: styler(3, 23),
    underline: styler(4, 24),
    inverse: styler(7, 27),
    strikethrough: styler(9, 29),
    red: styler(31, 39),
    green: styler(32, 39),
    yellow: styler(33, 39),
    blue: styler(34, 39),
    magenta: styler(35, 39),
    cyan: styler(36, 39),
    gray: styler(90, 39),
  };
}

/** Colours on. */
export const ansiStyle: Style = createStyle(true);
/** Colours off: every helper is the identity. */
export const plainStyle: Style = createStyle(false);

/**
 * Whether to colour output written to `stream`: NO_COLOR (any non-empty value) and TERM=dumb
 * turn colour off, FORCE_COLOR (anything but "0") turns it on, otherwise only a TTY gets colour.
 */
export function shouldUseColor(stream: { readonly isTTY?: boolean | undefined }, env: Readonly<Record<string, string | undefined>> = process.env): boolean {
  if (env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '') return false;
  const force = env['FORCE_COLOR'];
  if (force !== undefined && force !== '') return force !== '0' && force !== 'false';
  if (env['TERM'] === 'dumb') return false;
  return stream.isTTY === true;
}

/**
 * The process-wide style: colour when stdout is a TTY and NO_COLOR is unset (see
 * `shouldUseColor`). The renderers in this folder default to it.
 */
export const style: Style = createStyle(shouldUseColor(process.stdout));

/** CUU: cursor up `n` rows, same column (nothing for n <= 0). */
export function cursorUp(n: number): string {
  return n > 0 ? `${CSI}${n}A` : '';
}

/** CUD: cursor down `n` rows, same column (nothing for n <= 0). */
export function cursorDown(n: number): string {
  return n > 0 ? `${CSI}${n}B` : '';
}

/** CPL: cursor to column 1 of the row `n` rows up; for n <= 0 just a carriage return. */
export function cursorPrevLine(n: number): string {
  return n > 0 ? `${CSI}${n}F` : '\r';
}

/** CHA: cursor to the 0-based column `col` of the current row. */
export function cursorToColumn(col: number): string {
  return `${CSI}${Math.max(0, col) + 1}G`;
}

/** ED 0: erase from the cursor to the end of the screen. */
export const ERASE_DOWN = `${CSI}J`;
/** EL 2: erase the whole current row. */
export const ERASE_LINE = `${CSI}2K`;
/** EL 0: erase from the cursor to the end of the row. */
export const ERASE_LINE_END = `${CSI}K`;
/** DECTCEM: hide the cursor. */
export const HIDE_CURSOR = `${CSI}?25l`;
/** DECTCEM: show the cursor. */
export const SHOW_CURSOR = `${CSI}?25h`;
/** DEC mode 2026: begin a synchronized update (the terminal shows nothing until the end). */
export const SYNC_START = `${CSI}?2026h`;
/** DEC mode 2026: end a synchronized update. */
export const SYNC_END = `${CSI}?2026l`;
/** DEC mode 2004: the terminal wraps pasted text in ESC[200~ ... ESC[201~. */
export const BRACKETED_PASTE_ON = `${CSI}?2004h`;
/** DEC mode 2004 off. */
export const BRACKETED_PASTE_OFF = `${CSI}?2004l`;
