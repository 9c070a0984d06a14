/** The matcher ladder's rungs, strictest first. */
export type MatchRung = 'exact' | 'trim_end' | 'trim' | 'unicode';

/** Every position where the pattern matched, all at the strictest rung that matched anywhere. */
export interface SeekResult {
  readonly rung: MatchRung;
  /** 0-based start lines of the matches, ascending; more than one means ambiguous. */
  readonly indices: readonly number[];
}

/** Options for `seekSequence`. */
export interface SeekOptions {
  /** The hunk ended with `*** End of File`: a match that ends the file wins over the others. */
  endOfFile?: boolean;
}

const RUNGS: readonly { rung: MatchRung; normalize: (line: string) => string }[] = [
  { rung: 'exact', normalize: (line) => line },
  { rung: 'trim_end', normalize: (line) => line.trimEnd() },
  { rung: 'trim', normalize: (line) => line.trim() },
  { rung: 'unicode', normalize: (line) => foldPunctuation(line).trim() },
];

/**
 * Finds `pattern` in `lines` at or after `start` using Codex's ladder (exact, trailing
 * whitespace, surrounding whitespace, Unicode punctuation folding). Returns all matches at the
 * first rung that has any, or undefined. An empty pattern matches at `start`.
 */
export function seekSequence(
  lines: readonly string[],
  pattern: readonly string[],
  start: number,
  options: SeekOptions = {},
): SeekResult | undefined {
  if (pattern.length === 0) return { rung: 'exact', indices: [start] };
  const last = lines.length - pattern.length;
  if (last < start) return undefined;
  for (const { rung, normalize } of RUNGS) {
    const wanted = pattern.map(normalize);
    const indices: number[] = [];
    for (let i = start; i <= last; i++) {
      if (matchesAt(lines, wanted, i, normalize)) indices.push(i);
    }
    if (indices.length === 0) continue;
    if (options.endOfFile === true && indices.includes(last)) return { rung, indices: [last] };
    return { rung, indices };
  }
  return undefined;
}

function matchesAt(lines: readonly string[], wanted: readonly string[], at: number, normalize: (line: string) => string): boolean {
  for (let j = 0; j < wanted.length; j++) {
    if (normalize(lines[at + j] ?? '') !== wanted[j]) return false;
  }
  return true;
}

// Typographic characters models and editors swap for their ASCII look-alikes.
const PUNCTUATION_FOLDS: ReadonlyMap<string, string> = new Map([
  ...['\u2010', '\u2011', '\u2012', '\u2013', '\u2014', '\u2015', '\u2212'].map((c) => [c, '-'] as const),
  ...['\u2018', '\u2019', '\u201A', '\u201B', '\u2032'].map((c) => [c, "'"] as const),
  ...['\u201C', '\u201D', '\u201E', '\u201F', '\u2033'].map((c) => [c, '"'] as const),
  ...['\u00A0', '\u2002', '\u2003', '\u2004', '\u2005', '\u2006', '\u2007', '\u2008', '\u2009', '\u200A', '\u202F', '\u205F', '\u3000'].map(
    (c) => [c, ' '] as const,
  ),
  ['\u2026', '...'],
]);

const FOLDABLE = new RegExp(`[${[...PUNCTUATION_FOLDS.keys()].join('')}]`, 'g');

/** Replaces typographic quotes, dashes, exotic spaces and the ellipsis with ASCII. */
export function foldPunctuation(line: string): string {
  return line.replace(FOLDABLE, (c) => PUNCTUATION_FOLDS.get(c) ?? c);
}
