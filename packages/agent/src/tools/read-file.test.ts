import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { formatReadResult, readWorkspaceFile } from './read-file.js';
import { ToolError } from './tool-error.js';
import type { ToolErrorCode } from './tool-error.js';

function fails(code: ToolErrorCode, message?: RegExp) {
  return (error: unknown): boolean => {
    assert.ok(ToolError.is(error), String(error));
    assert.equal(error.code, code, error.message);
    if (message !== undefined) assert.match(error.message, message);
    return true;
  };
}

const numbered = (count: number): string => Array.from({ length: count }, (_, i) => `line ${i + 1}`).join('\n') + '\n';

describe('readWorkspaceFile', () => {
  let base: string;
  let root: string;

  before(async () => {
    base = await realpath(await mkdtemp(join(tmpdir(), 'spark-read-')));
    root = join(base, 'ws');
    await mkdir(join(root, 'src'), { recursive: true });
    await writeFile(join(root, 'src/ten.txt'), numbered(10));
    await writeFile(join(root, 'src/config.ts'), 'export {};\n');
    await writeFile(join(root, 'crlf.txt'), 'one\r\ntwo\r\n');
    await writeFile(join(root, 'no-newline.txt'), 'a\nb');
    await writeFile(join(root, 'empty.txt'), '');
    await writeFile(join(root, 'image.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0x0d]));
    await writeFile(join(base, 'secret.txt'), 'secret\n');
    await symlink(join(base, 'secret.txt'), join(root, 'secret.txt'));
  });

  after(async () => {
    await rm(base, { recursive: true, force: true });
  });

  it('returns the whole small file with its identity', async () => {
    const result = await readWorkspaceFile(root, { path: 'src/ten.txt' });
    const bytes = numbered(10);
    assert.equal(result.path, 'src/ten.txt');
    assert.equal(result.text, bytes.trimEnd());
    assert.deepEqual([result.startLine, result.endLine, result.totalLines, result.truncated], [1, 10, 10, false]);
    assert.equal(result.size, Buffer.byteLength(bytes));
    assert.equal(result.sha256, createHash('sha256').update(bytes).digest('hex'));
    assert.ok(result.mtimeMs > 0);
    assert.equal(formatReadResult(result), `src/ten.txt (lines 1-10 of 10)\n${bytes.trimEnd()}`);
  });

  it('returns a window by offset and limit, and tells how to read on', async () => {
    const result = await readWorkspaceFile(root, { path: 'src/ten.txt', offset: 4, limit: 3 });
    assert.equal(result.text, 'line 4\nline 5\nline 6');
    assert.deepEqual([result.startLine, result.endLine, result.totalLines, result.truncated], [4, 6, 10, true]);
    assert.equal(formatReadResult(result), 'src/ten.txt (lines 4-6 of 10)\nline 4\nline 5\nline 6\n[4 more lines. To read on, call read_file with offset 7.]');
  });

  it('treats offset 0 and limit 0 as defaults, and caps limit at maxLines', async () => {
    const result = await readWorkspaceFile(root, { path: 'src/ten.txt', offset: 0, limit: 0 }, { maxLines: 4 });
    assert.deepEqual([result.startLine, result.endLine, result.truncated], [1, 4, true]);
    const capped = await readWorkspaceFile(root, { path: 'src/ten.txt', limit: 100 }, { maxLines: 2 });
    assert.equal(capped.endLine, 2);
  });

  it('stops before the line that would exceed the byte budget', async () => {
    const result = await readWorkspaceFile(root, { path: 'src/ten.txt' }, { maxBytes: 20 });
    assert.equal(result.text, 'line 1\nline 2');
    assert.equal(result.truncated, true);
    assert.equal(result.clippedLine, undefined);
  });

  it('cuts a single giant line on a character boundary and says so', async () => {
    await writeFile(join(root, 'minified.js'), `${'é'.repeat(100)}\nnext\n`);
    const result = await readWorkspaceFile(root, { path: 'minified.js' }, { maxBytes: 11 });
    assert.equal(result.text, 'ééééé');
    assert.equal(result.clippedLine, 1);
    assert.equal(result.truncated, true);
    assert.match(formatReadResult(result), /Line 1 is too long/);
    assert.match(formatReadResult(result), /offset 2/);
  });

  it('streams a file far larger than the budget, counting every line and hashing every byte', async () => {
    const big = numbered(200_000);
    await writeFile(join(root, 'big.log'), big);
    const result = await readWorkspaceFile(root, { path: 'big.log', offset: 199_999 });
    assert.equal(result.text, 'line 199999\nline 200000');
    assert.equal(result.totalLines, 200_000);
    assert.equal(result.sha256, createHash('sha256').update(big).digest('hex'));
  });

  it('drops the CR of CRLF endings and handles a missing final newline', async () => {
    assert.equal((await readWorkspaceFile(root, { path: 'crlf.txt' })).text, 'one\ntwo');
    const last = await readWorkspaceFile(root, { path: 'no-newline.txt' });
    assert.deepEqual([last.text, last.totalLines], ['a\nb', 2]);
  });

  it('describes an empty file', async () => {
    const result = await readWorkspaceFile(root, { path: 'empty.txt' });
    assert.deepEqual([result.text, result.startLine, result.endLine, result.totalLines, result.truncated], ['', 0, 0, 0, false]);
    assert.equal(formatReadResult(result), 'empty.txt (empty file)');
  });

  it('refuses directories, binary files and paths outside the workspace', async () => {
    await assert.rejects(readWorkspaceFile(root, { path: 'src' }), fails('is_directory', /list_dir/));
    await assert.rejects(readWorkspaceFile(root, { path: '' }), fails('is_directory'));
    await assert.rejects(readWorkspaceFile(root, { path: 'image.png' }), fails('binary_file'));
    await assert.rejects(readWorkspaceFile(root, { path: 'secret.txt' }), fails('outside_workspace'));
    await assert.rejects(readWorkspaceFile(root, { path: '../secret.txt' }), fails('outside_workspace'));
  });

  it('suggests similar names for a missing file', async () => {
    await assert.rejects(readWorkspaceFile(root, { path: 'src/Config.ts' }), fails('not_found', /'src\/Config.ts' does not exist\. Did you mean 'src\/config.ts'\?/));
    await assert.rejects(readWorkspaceFile(root, { path: 'src/confg.ts' }), fails('not_found', /Did you mean 'src\/config.ts'/));
    await assert.rejects(readWorkspaceFile(root, { path: 'src/ten.md' }), fails('not_found', /'src\/ten.txt'/));
    await assert.rejects(readWorkspaceFile(root, { path: 'nope/x.ts' }), fails('not_found', /directory 'nope' does not exist either/));
  });

  it('rejects bad offsets and limits with invalid_arguments', async () => {
    await assert.rejects(readWorkspaceFile(root, { path: 'src/ten.txt', offset: 11 }), fails('invalid_arguments', /has 10 lines/));
    await assert.rejects(readWorkspaceFile(root, { path: 'src/ten.txt', offset: -1 }), fails('invalid_arguments'));
    await assert.rejects(readWorkspaceFile(root, { path: 'src/ten.txt', limit: 1.5 }), fails('invalid_arguments'));
  });

  it('rejects with the abort reason when aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(readWorkspaceFile(root, { path: 'src/ten.txt' }, { signal: controller.signal }), { name: 'AbortError' });
  });
});
