import { foldPunctuation } from './seek-sequence.js';

/** Limits on the file text quoted back to the model when a hunk does not match. */
export interface ExcerptLimits {
  /** Lines of context shown around the candidate window. Default 3. */
  contextLines?: number;
  /** Most lines quoted. Default 40. */
  maxLines?: number;
  /** Most characters quoted. Default 4000. */
  maxChars?: number;
}

/** Defaults for `ExcerptLimits`. */
export const DEFAULT_EXCERPT_LIMITS: Readonly<Required<ExcerptLimits>> = { contextLines: 3, maxLines: 40, maxChars: 4000 };

/**
 * Quotes the real file text, with 1-based line numbers, around the window of `lines` (at or
 * after `start`) where the most `pattern` lines match loosely, so the model's retry can succeed.
 */
export function bestCandidateExcerpt(
  lines: readonly string[],
  pattern: readonly string[],
  start: number,
  limits: ExcerptLimits = {},
): string {
  const { contextLines, maxLines, maxChars } = { ...DEFAULT_EXCERPT_LIMITS, ...limits };
  if (lines.length === 0) return '(the file is empty)';
  const loose = (line: string): string => foldPunctuation(line).trim();
  const wanted = pattern.map(loose);
  let best = Math.min(start, lines.length - 1);
  let bestScore = -1;
  const lastStart = Math.max(start, lines.length - Math.max(pattern.length, 1));
  for (let i = Math.min(start, lastStart); i <= lastStart; i++) {
    let score = 0;
    for (let j = 0; j < wanted.length && i + j < lines.length; j++) {
      const want = wanted[j] as string;
      // Blank lines match everywhere; counting them would favour any blank stretch.
      if (want !== '' && loose(lines[i + j] as string) === want) score++;
    }
    if (score > bestScore) {
      bestScore = score;
      best = i;
    }
  }
  const from = Math.max(0, best - contextLines);
  const to = Math.min(lines.length, best + Math.max(pattern.length, 1) + contextLines, from + maxLines);
  const width = String(to).length;
  const out: string[] = [];
  let chars = 0;
  for (let i = from; i < to; i++) {
    const row = `${String(i + 1).padStart(width)} | ${lines[i] as string}`;
    if (chars + row.length + 1 > maxChars) {
      out.push('... (excerpt truncated)');
      break;
    }
    out.push(row);
    chars += row.length + 1;
  }
  if (to < lines.length && out.at(-1) !== '... (excerpt truncated)') out.push('...');
  if (from > 0) out.unshift('...');
  const heading = bestScore > 0 ? `Closest match (${bestScore} of ${pattern.length} lines), lines ${from + 1}-${to}:` : `No line matched; lines ${from + 1}-${to} of the file:`;
  return [heading, ...out].join('\n');
}
