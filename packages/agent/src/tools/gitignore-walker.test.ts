import assert from 'node:assert/strict';
import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gitignoreWalker } from './gitignore-walker.js';
import type { WalkEntry, WalkOptions, WalkSummary } from './gitignore-walker.js';

async function writeTree(root: string, files: Record<string, string>): Promise<void> {
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), text);
  }
}

async function walk(root: string, options: WalkOptions = {}): Promise<{ entries: WalkEntry[]; summary: WalkSummary }> {
  const entries: WalkEntry[] = [];
  const walker = gitignoreWalker(root, options);
  for (;;) {
    const next = await walker.next();
    if (next.done === true) return { entries, summary: next.value };
    entries.push(next.value);
  }
}

const paths = async (root: string, options: WalkOptions = {}): Promise<string[]> => (await walk(root, options)).entries.map((e) => e.path);

describe('gitignoreWalker', () => {
  let base: string;
  let root: string;

  before(async () => {
    base = await realpath(await mkdtemp(join(tmpdir(), 'spark-walk-')));
    root = join(base, 'ws');
    await writeTree(root, {
      '.gitignore': '*.log\nbuild/\n/top-only.txt\nnode_modules\n',
      '.git/HEAD': 'ref: refs/heads/main\n',
      '.git/info/exclude': 'excluded.txt\n',
      'excluded.txt': 'x',
      'top-only.txt': 'x',
      'README.md': '# hi',
      'app.log': 'x',
      'build/out.js': 'x',
      'node_modules/pkg/index.js': 'x',
      'src/index.ts': 'x',
      'src/debug.log': 'x',
      'src/top-only.txt': 'kept: the rule is anchored to the root',
      'src/.gitignore': 'generated/\n!keep.log\n',
      'src/keep.log': 'x',
      'src/generated/g.ts': 'x',
      'src/lib/util.ts': 'x',
      'src/lib/.ignore': 'secret-notes.md\n',
      'src/lib/secret-notes.md': 'x',
      'packages/a/.gitignore': '!build/\n',
      'packages/a/build/kept.js': 'x',
      'packages/a/build/x.log': 'x',
    });
    await symlink(join(root, 'src'), join(root, 'src-link'));
  });

  after(async () => {
    await rm(base, { recursive: true, force: true });
  });

  it('honours .gitignore at every level, .ignore, .git/info/exclude, and skips .git', async () => {
    assert.deepEqual(await paths(root), [
      'packages', 'src', '.gitignore', 'README.md', 'src-link',
      'packages/a',
      'src/lib', 'src/.gitignore', 'src/index.ts', 'src/keep.log', 'src/top-only.txt',
      'packages/a/build', 'packages/a/.gitignore',
      'src/lib/.ignore', 'src/lib/util.ts',
      'packages/a/build/kept.js',
    ]);
  });

  it('reports kinds and depths, and does not follow symlinks', async () => {
    const { entries } = await walk(root, { maxDepth: 1 });
    const link = entries.find((e) => e.path === 'src-link');
    assert.equal(link?.kind, 'symlink');
    assert.equal(entries.find((e) => e.path === 'src')?.kind, 'directory');
    assert.ok(entries.every((e) => e.depth === 1));
    assert.equal(entries.find((e) => e.path === 'README.md')?.absolutePath, join(root, 'README.md'));
  });

  it('starts below the root with the rules of every directory above', async () => {
    assert.deepEqual(await paths(root, { start: 'src' }), [
      'src/lib', 'src/.gitignore', 'src/index.ts', 'src/keep.log', 'src/top-only.txt', 'src/lib/.ignore', 'src/lib/util.ts',
    ]);
    assert.deepEqual((await walk(root, { start: 'src/lib' })).entries.map((e) => [e.path, e.depth]), [['src/lib/.ignore', 1], ['src/lib/util.ts', 1]]);
  });

  it('lists an explicitly requested ignored directory', async () => {
    assert.deepEqual(await paths(root, { start: 'node_modules' }), ['node_modules/pkg', 'node_modules/pkg/index.js']);
  });

  it('stops at maxDepth and at maxEntries, saying it was cut short', async () => {
    assert.deepEqual(await paths(root, { start: 'src', maxDepth: 1 }), ['src/lib', 'src/.gitignore', 'src/index.ts', 'src/keep.log', 'src/top-only.txt']);
    const { entries, summary } = await walk(root, { maxEntries: 3 });
    assert.equal(entries.length, 3);
    assert.deepEqual(summary, { truncated: true, entries: 3 });
    assert.deepEqual((await walk(root, { start: 'src/lib' })).summary, { truncated: false, entries: 2 });
  });

  it('rejects with the abort reason when aborted mid-walk', async () => {
    const controller = new AbortController();
    const walker = gitignoreWalker(root, { signal: controller.signal });
    await walker.next();
    controller.abort();
    await assert.rejects(walker.next(), { name: 'AbortError' });
  });
});
