import { ToolError } from './tool-error.js';

/** A search pattern compiled for line matching, with the case mode that was chosen. */
export interface CompiledPattern {
  /** Tests one line (no `g` flag, so it keeps no state between calls). */
  line: RegExp;
  /** Tests a whole file at once with `^`/`$` at line ends: a cheap way to skip files without a match. */
  file: RegExp;
  caseSensitive: boolean;
}

/**
 * Compiles a model's JavaScript regex. `caseSensitive` undefined or null means smart case:
 * insensitive unless the pattern has an uppercase letter outside escapes (`\S`, `\W` do not
 * count). A leading `(?i)`, which models carry over from ripgrep, forces insensitive.
 * A bad pattern fails with `invalid_pattern` carrying the regex engine's message.
 */
export function compileSearchPattern(pattern: string, caseSensitive?: boolean | null): CompiledPattern {
  if (pattern === '') throw new ToolError('invalid_arguments', 'pattern must not be empty. Pass a regular expression such as "createServer\\(" .');
  let source = pattern;
  let sensitive = caseSensitive ?? undefined;
  if (source.startsWith('(?i)')) {
    source = source.slice(4);
    sensitive = false;
  }
  sensitive ??= hasUppercaseLiteral(source);
  // Without the u flag JavaScript accepts more of what models write (e.g. `\-` outside a class);
  // \p{...} needs it.
  const unicode = /\\[pP]\{/.test(source) ? 'u' : '';
  const flags = `${sensitive ? '' : 'i'}${unicode}`;
  try {
    return { line: new RegExp(source, flags), file: new RegExp(source, `${flags}m`), caseSensitive: sensitive };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ToolError('invalid_pattern', `The pattern is not a valid JavaScript regular expression: ${reason}. Escape special characters such as ( ) [ ] { } . * + ? with a backslash, or simplify the pattern.`, { cause: error });
  }
}

function hasUppercaseLiteral(source: string): boolean {
  const literal = source.replace(/\\[pP]\{[^}]*\}/g, '').replace(/\\./g, '');
  return /\p{Lu}/u.test(literal);
}
