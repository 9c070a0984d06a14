import ignore from 'ignore';

/** Most patterns one glob may expand to (braces multiply); beyond this its braces are taken literally. */
export const MAX_GLOB_PATTERNS = 256;

/** Whether a file path (relative, `/` separators) is selected by the glob. */
export type GlobMatcher = (path: string) => boolean;

/**
 * Compiles a search glob with gitignore semantics, as ripgrep's `-g` has: a pattern without a
 * `/` (`*.ts`) matches the name at any depth, one with a `/` (`src/**\/*.ts`) is anchored.
 * Also accepts braces (`*.{ts,tsx}`), several patterns separated by commas or spaces, and
 * `!pattern` to exclude. Returns undefined for an empty glob (everything matches).
 */
export function compileGlob(glob: string): GlobMatcher | undefined {
  const patterns = splitPatterns(glob.trim()).flatMap(expandBraces);
  if (patterns.length === 0) return undefined;
  const include = patterns.filter((p) => !p.startsWith('!'));
  const exclude = patterns.filter((p) => p.startsWith('!')).map((p) => p.slice(1)).filter((p) => p !== '');
  const included = ignore({ ignoreCase: false, allowRelativePaths: true }).add(include);
  const excluded = ignore({ ignoreCase: false, allowRelativePaths: true }).add(exclude);
  return (path) => (include.length === 0 || included.ignores(path)) && !excluded.ignores(path);
}

// Splits on commas and whitespace that are not inside braces.
function splitPatterns(glob: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let current = '';
  for (const char of glob) {
    if (char === '{') depth++;
    else if (char === '}') depth = Math.max(0, depth - 1);
    if (depth === 0 && (char === ',' || /\s/.test(char))) {
      if (current !== '') out.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  if (current !== '') out.push(current);
  return out;
}

// `a{b,c{d,e}}f` -> abf acdf acef; unbalanced braces are kept literally.
function expandBraces(pattern: string): string[] {
  const open = pattern.indexOf('{');
  if (open === -1) return [pattern];
  let depth = 0;
  const commas: number[] = [];
  for (let i = open; i < pattern.length; i++) {
    const char = pattern[i];
    if (char === '{') depth++;
    else if (char === '}') {
      depth--;
      if (depth === 0) {
        const head = pattern.slice(0, open);
        const tail = pattern.slice(i + 1);
        const bounds = [open, ...commas, i];
        const expanded: string[] = [];
        for (let k = 0; k + 1 < bounds.length; k++) {
          const option = pattern.slice((bounds[k] ?? 0) + 1, bounds[k + 1]);
          for (const rest of expandBraces(option + tail)) {
            expanded.push(head + rest);
            if (expanded.length > MAX_GLOB_PATTERNS) return [pattern];
          }
        }
        return expanded;
      }
    } else if (char === ',' && depth === 1) commas.push(i);
  }
  return [pattern];
}
