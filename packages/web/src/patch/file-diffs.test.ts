/// <reference types="node" />
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileDiffs } from './file-diffs.js';

test('an apply_patch envelope becomes per-file diffs with counts', () => {
  const files = fileDiffs([
    '*** Begin Patch',
    '*** Update File: src/a.ts',
    '*** Move to: src/b.ts',
    '@@ function f() {',
    ' keep',
    '-old',
    '+new',
    '*** Add File: c.md',
    '+# title',
    '*** Delete File: d.txt',
    '*** End Patch',
  ].join('\n'));
  assert.equal(files.length, 3);
  assert.deepEqual(files.map((file) => [file.op, file.path, file.added, file.removed]), [['update', 'src/a.ts', 1, 1], ['add', 'c.md', 1, 0], ['delete', 'd.txt', 0, 0]]);
  assert.equal(files[0]?.moveTo, 'src/b.ts');
  assert.deepEqual(files[0]?.lines.map((line) => line.type), ['hunk', 'ctx', 'del', 'add']);
});

test('a unified diff is parsed by the diff library', () => {
  const files = fileDiffs('--- a/x.ts\n+++ b/x.ts\n@@ -1,2 +1,2 @@\n a\n-b\n+c\n');
  assert.equal(files.length, 1);
  assert.equal(files[0]?.path, 'x.ts');
  assert.deepEqual(files[0]?.lines.map((line) => `${line.type}:${line.text}`), ['hunk:-1,2 +1,2', 'ctx:a', 'del:b', 'add:c']);
});

test('a patch cut off mid-way yields the files seen so far', () => {
  const files = fileDiffs('*** Begin Patch\n*** Update File: a\n@@\n-x\n+y');
  assert.equal(files.length, 1);
  assert.equal(files[0]?.added, 1);
});
