import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyPatch, normalizePatchPath } from './apply-patch.js';
import { MemoryPatchFileSystem } from './memory-patch-file-system.js';
import { PatchError, type PatchErrorCode } from './patch-error.js';

interface Fixture {
  name: string;
  files: Record<string, string>;
  patch: string[];
  /** Files after a successful apply, or the error a failed one throws (files then unchanged). */
  expect: { files: Record<string, string>; summary?: string } | { code: PatchErrorCode; message?: RegExp[]; hunk?: number };
}

const envelope = (lines: string[]): string => ['*** Begin Patch', ...lines, '*** End Patch'].join('\n');

const FIXTURES: Fixture[] = [
  {
    name: 'add, update and delete in one patch',
    files: { 'a.txt': 'one\ntwo\nthree\n', 'gone.txt': 'bye\n' },
    patch: ['*** Add File: dir/new.txt', '+hello', '+world', '*** Update File: a.txt', '@@', ' one', '-two', '+TWO', '*** Delete File: gone.txt'],
    expect: {
      files: { 'a.txt': 'one\nTWO\nthree\n', 'dir/new.txt': 'hello\nworld\n' },
      summary: 'Success. Updated the following files:\nA dir/new.txt\nM a.txt\nD gone.txt\n',
    },
  },
  {
    name: 'move with an edit',
    files: { 'src/old.ts': 'export const x = 1;\n' },
    patch: ['*** Update File: src/old.ts', '*** Move to: lib/new.ts', '-export const x = 1;', '+export const x = 2;'],
    expect: { files: { 'lib/new.ts': 'export const x = 2;\n' }, summary: 'Success. Updated the following files:\nM lib/new.ts\n' },
  },
  {
    name: 'multiple hunks apply in order',
    files: { f: 'a\nb\nc\nd\ne\nf\n' },
    patch: ['*** Update File: f', '@@', '-b', '+B', '@@', ' e', '-f', '+F'],
    expect: { files: { f: 'a\nB\nc\nd\ne\nF\n' } },
  },
  {
    name: 'trailing whitespace in the file is tolerated',
    files: { f: 'x = 1   \ny = 2\n' },
    patch: ['*** Update File: f', ' x = 1', '-y = 2', '+y = 3'],
    expect: { files: { f: 'x = 1   \ny = 3\n' } },
  },
  {
    name: 'leading indentation mismatch is tolerated',
    files: { f: 'def f():\n    return 1\n' },
    patch: ['*** Update File: f', ' def f():', '-return 1', '+    return 2'],
    expect: { files: { f: 'def f():\n    return 2\n' } },
  },
  {
    name: 'typographic punctuation in the file is folded',
    files: { f: 'msg = \u201Cdon\u2019t \u2014 stop\u201D\nend\n' },
    patch: ['*** Update File: f', '-msg = "don\'t - stop"', '+msg = "go"'],
    expect: { files: { f: 'msg = "go"\nend\n' } },
  },
  {
    name: 'fuzzily matched context lines keep the file text',
    files: { f: '  a = \u201Cq\u201D  \nb\n' },
    patch: ['*** Update File: f', ' a = "q"', '-b', '+c'],
    expect: { files: { f: '  a = \u201Cq\u201D  \nc\n' } },
  },
  {
    name: 'ambiguous context is refused',
    files: { f: 'function a() {\n  return 1;\n}\nfunction b() {\n  return 1;\n}\n' },
    patch: ['*** Update File: f', '-  return 1;', '+  return 2;'],
    expect: { code: 'ambiguous_match', message: [/'f', hunk 1 of 1/, /2 places/, /lines 2, 5/, /@@/], hunk: 1 },
  },
  {
    name: 'an @@ anchor disambiguates',
    files: { f: 'function a() {\n  return 1;\n}\nfunction b() {\n  return 1;\n}\n' },
    patch: ['*** Update File: f', '@@ function b() {', '-  return 1;', '+  return 2;'],
    expect: { files: { f: 'function a() {\n  return 1;\n}\nfunction b() {\n  return 2;\n}\n' } },
  },
  {
    name: 'nested @@ anchors narrow step by step',
    files: { f: 'class A\n  def run\n    x\nclass B\n  def stop\n    x\n  def run\n    x\n' },
    patch: ['*** Update File: f', '@@ class B', '@@   def run', '-    x', '+    y'],
    expect: { files: { f: 'class A\n  def run\n    x\nclass B\n  def stop\n    x\n  def run\n    y\n' } },
  },
  {
    name: 'End of File disambiguates toward the last match',
    files: { f: 'x\nend\nx\nend\n' },
    patch: ['*** Update File: f', ' x', '-end', '+END', '*** End of File'],
    expect: { files: { f: 'x\nend\nx\nEND\n' } },
  },
  {
    name: 'a pure insertion under an anchor lands after it',
    files: { f: 'header\nbody\n' },
    patch: ['*** Update File: f', '@@ header', '+inserted'],
    expect: { files: { f: 'header\ninserted\nbody\n' } },
  },
  {
    name: 'missing context quotes the real text around the best candidate',
    files: { f: 'alpha\nbeta\ngamma\ndelta\nepsilon\n' },
    patch: ['*** Update File: f', ' beta', '-gamma2', '+GAMMA', ' delta'],
    expect: { code: 'context_not_found', message: [/'f', hunk 1 of 1/, /Closest match \(2 of 3 lines\)/, /2 \| beta/, /3 \| gamma/, /4 \| delta/], hunk: 1 },
  },
  {
    name: 'a missing anchor is reported',
    files: { f: 'a\n' },
    patch: ['*** Update File: f', '@@ class Nope', '-a', '+b'],
    expect: { code: 'context_not_found', message: [/anchor '@@ class Nope'/, /1 \| a/] },
  },
  {
    name: 'the second hunk failing names hunk 2',
    files: { f: 'a\nb\n' },
    patch: ['*** Update File: f', '@@', '-a', '+A', '@@', '-zzz', '+Z'],
    expect: { code: 'context_not_found', message: [/hunk 2 of 2/], hunk: 2 },
  },
  {
    name: 'multi-file failure writes nothing',
    files: { 'a.txt': 'a\n', 'b.txt': 'b\n' },
    patch: ['*** Update File: a.txt', '-a', '+A', '*** Delete File: b.txt', '*** Update File: c.txt', '-c', '+C'],
    expect: { code: 'file_not_found', message: [/c\.txt/] },
  },
  {
    name: 'add over an existing file is refused',
    files: { f: 'x\n' },
    patch: ['*** Add File: f', '+y'],
    expect: { code: 'file_exists' },
  },
  {
    name: 'delete of a missing file is refused',
    files: {},
    patch: ['*** Delete File: nope'],
    expect: { code: 'file_not_found' },
  },
  {
    name: 'move onto an existing file is refused',
    files: { a: 'a\n', b: 'b\n' },
    patch: ['*** Update File: a', '*** Move to: b', '-a', '+A'],
    expect: { code: 'file_exists' },
  },
  {
    name: 'CRLF files keep CRLF',
    files: { f: 'one\r\ntwo\r\nthree\r\n' },
    patch: ['*** Update File: f', ' one', '-two', '+TWO', '+two-b'],
    expect: { files: { f: 'one\r\nTWO\r\ntwo-b\r\nthree\r\n' } },
  },
  {
    name: 'a missing final newline stays missing',
    files: { f: 'a\nb' },
    patch: ['*** Update File: f', ' a', '-b', '+B', '*** End of File'],
    expect: { files: { f: 'a\nB' } },
  },
  {
    name: 'a trailing empty context line standing for the final newline is tolerated',
    files: { f: 'a\nb\n' },
    patch: ['*** Update File: f', '-b', '+B', ''],
    expect: { files: { f: 'a\nB\n' } },
  },
  {
    name: 'later operations see earlier ones in the same patch',
    files: {},
    patch: ['*** Add File: n', '+1', '*** Update File: ./n', '-1', '+2'],
    expect: { files: { n: '2\n' } },
  },
];

describe('applyPatch fixtures', () => {
  for (const fixture of FIXTURES) {
    it(fixture.name, async () => {
      const fs = new MemoryPatchFileSystem(fixture.files);
      const patch = envelope(fixture.patch);
      const { expect } = fixture;
      if ('files' in expect) {
        const result = await applyPatch(patch, fs);
        assert.deepEqual(fs.toObject(), new MemoryPatchFileSystem(expect.files).toObject());
        if (expect.summary !== undefined) assert.equal(result.summary, expect.summary);
        return;
      }
      await assert.rejects(applyPatch(patch, fs), (error: unknown) => {
        assert.ok(PatchError.is(error), String(error));
        assert.equal(error.code, expect.code, error.message);
        for (const re of expect.message ?? []) assert.match(error.message, re);
        if (expect.hunk !== undefined) assert.equal(error.hunk, expect.hunk);
        return true;
      });
      assert.deepEqual(fs.toObject(), new MemoryPatchFileSystem(fixture.files).toObject(), 'files must be untouched');
    });
  }
});

describe('applyPatch', () => {
  it('returns a snapshot of every touched path before the patch', async () => {
    const fs = new MemoryPatchFileSystem({ a: 'a\n', d: 'd\n' });
    const { snapshot } = await applyPatch(envelope(['*** Add File: n', '+n', '*** Update File: a', '*** Move to: b', '-a', '+A', '*** Delete File: d']), fs);
    assert.deepEqual(Object.fromEntries(snapshot), { n: undefined, a: 'a\n', b: undefined, d: 'd\n' });
  });

  it('rolls back files already written when a later write fails', async () => {
    const fs = new MemoryPatchFileSystem({ a: 'a\n', b: 'b\n' });
    fs.failWrites.add('b');
    await assert.rejects(applyPatch(envelope(['*** Update File: a', '-a', '+A', '*** Update File: b', '-b', '+B']), fs), (error: unknown) => {
      assert.ok(PatchError.is(error));
      assert.equal(error.code, 'io_error');
      return true;
    });
    assert.deepEqual(fs.toObject(), { a: 'a\n', b: 'b\n' });
  });

  it('caps the quoted excerpt', async () => {
    const big = Array.from({ length: 500 }, (_, i) => `line ${i} ${'x'.repeat(100)}`).join('\n');
    const fs = new MemoryPatchFileSystem({ f: big });
    await assert.rejects(applyPatch(envelope(['*** Update File: f', '-nothing like it', '+y']), fs, { excerpt: { maxChars: 300 } }), (error: unknown) => {
      assert.ok(PatchError.is(error));
      assert.ok(error.message.length < 1000, `message is ${error.message.length} chars`);
      assert.match(error.message, /excerpt truncated/);
      return true;
    });
  });

  it('rejects a patch without operations', async () => {
    await assert.rejects(applyPatch(envelope([]), new MemoryPatchFileSystem()), /no file operations/);
  });

  it('normalizes paths so one file has one key', () => {
    assert.equal(normalizePatchPath('./a//b/../c'), 'a/c');
    assert.equal(normalizePatchPath('../x'), '../x');
    assert.equal(normalizePatchPath('/abs/./p'), '/abs/p');
  });
});
