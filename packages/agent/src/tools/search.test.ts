import assert from 'node:assert/strict';
import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { formatSearchResult, searchWorkspace } from './search.js';
import { ToolError } from './tool-error.js';

async function writeTree(root: string, files: Record<string, string | Buffer>): Promise<void> {
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), text);
  }
}

describe('searchWorkspace', () => {
  let base: string;
  let root: string;

  before(async () => {
    base = await realpath(await mkdtemp(join(tmpdir(), 'spark-search-')));
    root = join(base, 'ws');
    await writeTree(root, {
      '.gitignore': 'dist/\n',
      'README.md': 'Spark serves the Responses API.\nparseArgs is documented here.\n',
      'dist/bundle.js': 'function parseArgs() {}\n',
      'src/cli.ts': 'import { parseArgs } from "./args.js";\n\nconst options = parseArgs(process.argv);\r\n',
      'src/args.ts': 'export function parseArgs(argv: string[]) {\n  return argv;\n}\n',
      'src/args.test.ts': 'parseArgs([]);\n',
      'src/ui/view.tsx': 'export const View = () => parseArgs;\n',
      'assets/logo.bin': Buffer.from([1, 2, 0, 3, 0x70, 0x61, 0x72, 0x73, 0x65]),
      'big/huge.txt': `${'x'.repeat(2000)}\nparseArgs\n`,
      'long/line.js': `${'a'.repeat(500)}parseArgs${'b'.repeat(500)}\n`,
    });
    await writeFile(join(base, 'outside.ts'), 'parseArgs\n');
    await symlink(join(base, 'outside.ts'), join(root, 'src/escape.ts'));
  });

  after(async () => {
    await rm(base, { recursive: true, force: true });
  });

  it('finds matching lines in walk order, honouring .gitignore and skipping binary files and symlinks', async () => {
    const result = await searchWorkspace(root, { pattern: 'parseArgs\\(' });
    assert.deepEqual(result.matches, [
      { path: 'src/args.test.ts', line: 1, text: 'parseArgs([]);' },
      { path: 'src/args.ts', line: 1, text: 'export function parseArgs(argv: string[]) {' },
      { path: 'src/cli.ts', line: 3, text: 'const options = parseArgs(process.argv);' },
    ]);
    assert.equal(result.truncated, false);
    assert.equal(formatSearchResult(result), [
      'src/args.test.ts:1: parseArgs([]);',
      'src/args.ts:1: export function parseArgs(argv: string[]) {',
      'src/cli.ts:3: const options = parseArgs(process.argv);',
    ].join('\n'));
  });

  it('uses smart case unless told otherwise, and accepts a leading (?i)', async () => {
    assert.equal((await searchWorkspace(root, { pattern: 'spark' })).matches.length, 1);
    assert.equal((await searchWorkspace(root, { pattern: 'Spark' })).caseSensitive, true);
    assert.equal((await searchWorkspace(root, { pattern: 'spark', case_sensitive: true })).matches.length, 0);
    assert.equal((await searchWorkspace(root, { pattern: 'SPARK', case_sensitive: false })).matches.length, 1);
    assert.equal((await searchWorkspace(root, { pattern: '(?i)SPARK' })).matches.length, 1);
    // Escapes such as \S are not uppercase letters.
    assert.equal((await searchWorkspace(root, { pattern: 'spark\\S' })).caseSensitive, false);
  });

  it('filters by glob, path and file', async () => {
    const files = async (args: { glob?: string; path?: string }): Promise<string[]> =>
      [...new Set((await searchWorkspace(root, { pattern: 'parseArgs', ...args })).matches.map((m) => m.path))];
    assert.deepEqual(await files({ glob: '*.ts' }), ['src/args.test.ts', 'src/args.ts', 'src/cli.ts']);
    assert.deepEqual(await files({ glob: '*.{tsx,md}' }), ['README.md', 'src/ui/view.tsx']);
    assert.deepEqual(await files({ glob: 'src/**/*.tsx' }), ['src/ui/view.tsx']);
    assert.deepEqual(await files({ glob: '*.ts, !*.test.ts' }), ['src/args.ts', 'src/cli.ts']);
    assert.deepEqual(await files({ path: 'src', glob: 'ui/*.tsx' }), ['src/ui/view.tsx']);
    assert.deepEqual(await files({ path: 'src/ui' }), ['src/ui/view.tsx']);
    assert.deepEqual(await files({ path: 'dist/bundle.js' }), ['dist/bundle.js']);
  });

  it('skips files over the size limit and says so', async () => {
    const result = await searchWorkspace(root, { pattern: '^parseArgs$', path: 'big' }, { maxFileBytes: 1000 });
    assert.deepEqual([result.matches.length, result.skippedLargeFiles], [0, 1]);
    assert.match(formatSearchResult(result), /No matches for \/\^parseArgs\$\/ \(case-sensitive\) in big/);
    assert.match(formatSearchResult(result), /Skipped 1 file too large/);
  });

  it('cuts long lines to a window around the match', async () => {
    const result = await searchWorkspace(root, { pattern: 'parseArgs', path: 'long' }, { maxLineChars: 40 });
    const text = result.matches[0]?.text ?? '';
    assert.ok(text.startsWith('…') && text.endsWith('…'), text);
    assert.ok(text.includes('parseArgs'), text);
    assert.equal(text.length, 42);
  });

  it('stops at max_results and reports that more exist', async () => {
    const result = await searchWorkspace(root, { pattern: 'parseArgs', max_results: 2 });
    assert.equal(result.matches.length, 2);
    assert.equal(result.truncated, true);
    assert.ok(result.moreMatches >= 1);
    // Breadth-first: README.md at the top, then big/ comes before src/.
    assert.deepEqual(result.matches.map((m) => m.path), ['README.md', 'big/huge.txt']);
    assert.match(formatSearchResult(result), /Showing the first 2 matches; at least \d+ more/);
  });

  it('rejects invalid regexes with the engine message, and other bad arguments', async () => {
    await assert.rejects(searchWorkspace(root, { pattern: 'parseArgs(' }), (e: unknown) =>
      ToolError.is(e) && e.code === 'invalid_pattern' && /Unterminated group/.test(e.message));
    await assert.rejects(searchWorkspace(root, { pattern: '' }), (e: unknown) => ToolError.is(e) && e.code === 'invalid_arguments');
    await assert.rejects(searchWorkspace(root, { pattern: 'x', path: '../' }), (e: unknown) => ToolError.is(e) && e.code === 'outside_workspace');
    await assert.rejects(searchWorkspace(root, { pattern: 'x', path: 'nope' }), (e: unknown) => ToolError.is(e) && e.code === 'not_found');
  });

  it('rejects with the abort reason when aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(searchWorkspace(root, { pattern: 'x' }, { signal: controller.signal }), { name: 'AbortError' });
  });

  it('searches a tree of 2000 files well under a second', async () => {
    const tree = join(base, 'tree');
    const line = 'const value = compute(input, options); // some ordinary code\n';
    const writes: Array<Promise<void>> = [];
    for (let d = 0; d < 40; d++) {
      await mkdir(join(tree, `pkg${d}`, 'src'), { recursive: true });
      for (let f = 0; f < 50; f++) {
        const needle = f === 7 ? 'export function needleInHaystack() {}\n' : '';
        writes.push(writeFile(join(tree, `pkg${d}`, 'src', `file${f}.ts`), line.repeat(100) + needle));
      }
    }
    await Promise.all(writes);
    const startedAt = performance.now();
    const result = await searchWorkspace(tree, { pattern: 'needleInHaystack' });
    const elapsed = performance.now() - startedAt;
    assert.equal(result.filesSearched, 2000);
    assert.equal(result.matches.length, 40);
    assert.ok(elapsed < 1000, `took ${elapsed.toFixed(0)} ms`);
    if (process.env['SPARK_PRINT_TIMINGS'] !== undefined) console.log(`searched 2000 files in ${elapsed.toFixed(0)} ms`);
  });
});
