import assert from 'node:assert/strict';
import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { listWorkspaceDir } from './list-dir.js';
import { ToolError } from './tool-error.js';

async function writeTree(root: string, files: Record<string, string>): Promise<void> {
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), text);
  }
}

describe('listWorkspaceDir', () => {
  let base: string;
  let root: string;

  before(async () => {
    base = await realpath(await mkdtemp(join(tmpdir(), 'spark-list-')));
    root = join(base, 'ws');
    await writeTree(root, {
      '.gitignore': 'dist/\n*.tmp\n',
      'package.json': '{}',
      'README.md': '',
      'scratch.tmp': '',
      'dist/index.js': '',
      'src/index.ts': '',
      'src/tools/read.ts': '',
      'src/tools/deep/deeper/x.ts': '',
      'docs/guide.md': '',
    });
    await mkdir(join(root, 'empty'));
    await symlink('src/index.ts', join(root, 'main.ts'));
  });

  after(async () => {
    await rm(base, { recursive: true, force: true });
  });

  it('shows two levels by default, directories first, ignored entries hidden', async () => {
    const result = await listWorkspaceDir(root, { path: '', depth: 0 });
    assert.equal(result.text, [
      './',
      '  docs/',
      '    guide.md',
      '  empty/',
      '  src/',
      '    tools/',
      '    index.ts',
      '  .gitignore',
      '  README.md',
      '  main.ts -> src/index.ts',
      '  package.json',
    ].join('\n'));
    assert.deepEqual([result.path, result.shown, result.omitted, result.scanTruncated], ['.', 10, 0, false]);
  });

  it('lists a subdirectory to the requested depth, clamping depth at 5', async () => {
    const result = await listWorkspaceDir(root, { path: 'src/tools', depth: 9 });
    assert.equal(result.text, ['src/tools/', '  deep/', '    deeper/', '      x.ts', '  read.ts'].join('\n'));
    assert.equal((await listWorkspaceDir(root, { path: 'src', depth: 1 })).text, 'src/\n  tools/\n  index.ts');
  });

  it('shows shallow entries first and summarizes the rest per directory', async () => {
    const result = await listWorkspaceDir(root, { depth: 3 }, { maxEntries: 9 });
    assert.equal(result.text, [
      './',
      '  docs/',
      '    guide.md',
      '  empty/',
      '  src/',
      '    tools/',
      '      ... 2 more',
      '    ... 1 more',
      '  .gitignore',
      '  README.md',
      '  main.ts -> src/index.ts',
      '  package.json',
      '[3 more entries not shown. List a subdirectory to see them.]',
    ].join('\n'));
    assert.deepEqual([result.shown, result.omitted], [9, 3]);
  });

  it('says when the scan itself was cut short', async () => {
    const result = await listWorkspaceDir(root, { depth: 5 }, { maxEntries: 2, maxScan: 4 });
    assert.equal(result.scanTruncated, true);
    assert.match(result.text, /Stopped counting after 4 entries/);
  });

  it('marks an empty directory', async () => {
    assert.equal((await listWorkspaceDir(root, { path: 'empty' })).text, 'empty/\n  (empty)');
  });

  it('refuses files, missing paths and paths outside the workspace with codes', async () => {
    await assert.rejects(listWorkspaceDir(root, { path: 'package.json' }), (e: unknown) => ToolError.is(e) && e.code === 'not_directory' && /read_file/.test(e.message));
    await assert.rejects(listWorkspaceDir(root, { path: 'srcc' }), (e: unknown) => ToolError.is(e) && e.code === 'not_found' && /'src'/.test(e.message));
    await assert.rejects(listWorkspaceDir(root, { path: '..' }), (e: unknown) => ToolError.is(e) && e.code === 'outside_workspace');
    await assert.rejects(listWorkspaceDir(root, { depth: -1 }), (e: unknown) => ToolError.is(e) && e.code === 'invalid_arguments');
  });
});
