import { readdir } from 'node:fs/promises';
import { basename, extname } from 'node:path';

/** Most names `suggestSimilarNames` returns. */
export const MAX_SIMILAR_NAMES = 3;
/** Directories with more entries than this are not scanned for suggestions (too slow to be worth it). */
export const MAX_SUGGESTION_SCAN = 5000;

/**
 * Names in `directory` that look like a misspelling of `name`: other case, other extension,
 * or a couple of typos away. Best first; empty when the directory cannot be read.
 */
export async function suggestSimilarNames(directory: string, name: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(directory);
  } catch {
    return [];
  }
  if (names.length > MAX_SUGGESTION_SCAN) return [];
  const wanted = name.toLowerCase();
  const wantedStem = basename(wanted, extname(wanted));
  const scored: Array<{ name: string; score: number }> = [];
  for (const candidate of names) {
    if (candidate === name) continue;
    const lower = candidate.toLowerCase();
    const stem = basename(lower, extname(lower));
    let score: number | undefined;
    if (lower === wanted) score = 0;
    else if (stem === wantedStem && wantedStem !== '') score = 1;
    else {
      const distance = editDistance(lower, wanted, 2);
      if (distance <= 2) score = 1 + distance;
      else if (wantedStem.length >= 3 && lower.includes(wantedStem)) score = 4;
    }
    if (score !== undefined) scored.push({ name: candidate, score });
  }
  scored.sort((a, b) => a.score - b.score || a.name.localeCompare(b.name));
  return scored.slice(0, MAX_SIMILAR_NAMES).map((s) => s.name);
}

// Levenshtein distance, giving up (returning max + 1) once it must exceed `max`.
function editDistance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const value = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
      current.push(value);
      rowMin = Math.min(rowMin, value);
    }
    if (rowMin > max) return max + 1;
    previous = current;
  }
  return previous[b.length] ?? max + 1;
}
