/** Path segments a nesting error names: enough for `tools[0].parameters` or `text.format.schema`. */
const PATH_SEGMENTS = 3;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COMMA = 0x2c;

/**
 * Scans JSON text for nesting deeper than `maxDepth` without parsing it (one pass, no
 * recursion, memory bounded by `maxDepth`), so a 100,000-level body is refused before any
 * recursive code sees it. Returns undefined when the nesting is within the limit (the text may
 * still be invalid JSON: `JSON.parse` judges that), else the path where the limit was crossed,
 * cut to its first segments (`tools[0].parameters`; `body` at the top).
 */
export function findExcessNesting(text: string, maxDepth: number): string | undefined {
  // Per level: whether it is an object, and (for the first levels) the current key or index.
  const isObject = new Uint8Array(maxDepth + 1);
  const keyStart = new Int32Array(PATH_SEGMENTS);
  const keyEnd = new Int32Array(PATH_SEGMENTS);
  const index = new Int32Array(PATH_SEGMENTS);
  let depth = 0;
  let expectKey = false;
  const length = text.length;
  for (let at = 0; at < length; at += 1) {
    const code = text.charCodeAt(at);
    if (code === QUOTE) {
      const start = at;
      at = closingQuote(text, at);
      if (expectKey && depth >= 1 && depth <= PATH_SEGMENTS) {
        keyStart[depth - 1] = start;
        keyEnd[depth - 1] = Math.min(at + 1, length);
      }
      expectKey = false;
    } else if (code === OPEN_OBJECT || code === OPEN_ARRAY) {
      if (depth >= maxDepth) return formatPath(text, Math.min(depth, PATH_SEGMENTS), isObject, keyStart, keyEnd, index);
      depth += 1;
      isObject[depth] = code === OPEN_OBJECT ? 1 : 0;
      if (depth <= PATH_SEGMENTS) {
        index[depth - 1] = 0;
        keyStart[depth - 1] = -1;
      }
      expectKey = code === OPEN_OBJECT;
    } else if (code === CLOSE_OBJECT || code === CLOSE_ARRAY) {
      if (depth > 0) depth -= 1;
      expectKey = false;
    } else if (code === COMMA && depth >= 1) {
      if (isObject[depth] === 1) expectKey = true;
      else if (depth <= PATH_SEGMENTS) index[depth - 1] = (index[depth - 1] ?? 0) + 1;
    }
  }
  return undefined;
}

/**
 * The index of the quote closing the string opened at `open` (or the text's length): native
 * `indexOf` skips string contents, which are most of a body's bytes, far faster than a loop.
 */
function closingQuote(text: string, open: number): number {
  let end = text.indexOf('"', open + 1);
  while (end !== -1) {
    // A quote preceded by an odd run of backslashes is escaped. Runs never overlap: linear overall.
    let backslashes = 0;
    while (text.charCodeAt(end - 1 - backslashes) === BACKSLASH) backslashes += 1;
    if (backslashes % 2 === 0) return end;
    end = text.indexOf('"', end + 1);
  }
  return text.length;
}

function formatPath(
  text: string, levels: number, isObject: Uint8Array, keyStart: Int32Array, keyEnd: Int32Array, index: Int32Array,
): string {
  let out = '';
  for (let level = 1; level <= levels; level += 1) {
    if (isObject[level] === 1) {
      const key = keyText(text, keyStart[level - 1] ?? -1, keyEnd[level - 1] ?? -1);
      out += out === '' ? key : `.${key}`;
    } else {
      out += `[${index[level - 1] ?? 0}]`;
    }
  }
  return out === '' ? 'body' : out;
}

/** A key as the client wrote it, decoded and cut short (never a long client payload). */
function keyText(text: string, start: number, end: number): string {
  if (start < 0 || end - start > 130) return '…';
  try {
    const key = JSON.parse(text.slice(start, end)) as unknown;
    return typeof key === 'string' ? key.slice(0, 64) : '…';
  } catch {
    return '…';
  }
}

/**
 * True when a parsed JSON value nests deeper than `maxDepth` (a scalar has depth 0, `{}` depth
 * 1). Iterative, and stops at the first level past the limit.
 */
export function nestsDeeperThan(value: unknown, maxDepth: number): boolean {
  const stack: Array<{ value: unknown; depth: number }> = [{ value, depth: 0 }];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    if (typeof next.value !== 'object' || next.value === null) continue;
    const depth = next.depth + 1;
    if (depth > maxDepth) return true;
    const children: unknown[] = Array.isArray(next.value) ? next.value : Object.values(next.value);
    for (const child of children) if (typeof child === 'object' && child !== null) stack.push({ value: child, depth });
  }
  return false;
}
