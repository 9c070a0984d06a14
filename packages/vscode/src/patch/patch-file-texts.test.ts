import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { patchFileTexts } from './patch-file-texts.js';

const BEFORE = 'import x from "x";\n\nfunction a() {\n  return 1;\n}\n\nfunction b() {\n  return 2;\n}\n';
const AFTER = 'import x from "x";\n\nfunction a() {\n  return 10;\n}\n\nfunction b() {\n  return 20;\n}\n';
const PATCH = [
  '*** Begin Patch',
  '*** Update File: src/a.ts',
  '@@ function a() {',
  '-  return 1;',
  '+  return 10;',
  '@@ function b() {',
  '-  return 2;',
  '+  return 20;',
  '*** Add File: src/new.ts',
  '+export const y = 1;',
  '*** Delete File: src/old.ts',
  '*** Update File: src/from.ts',
  '*** Move to: src/to.ts',
  '@@',
  ' keep',
  '-old',
  '+new',
  '*** End Patch',
].join('\n');

describe('patch file texts', () => {
  it('rebuilds each changed file before and after the patch from the files as they are now', () => {
    const disk: Record<string, string> = { 'src/a.ts': AFTER, 'src/new.ts': 'export const y = 1;\n', 'src/to.ts': 'keep\nnew\n' };
    const files = patchFileTexts(PATCH, [
      { kind: 'M', path: 'src/a.ts' }, { kind: 'A', path: 'src/new.ts' }, { kind: 'D', path: 'src/old.ts' }, { kind: 'M', path: 'src/to.ts' },
    ], (path) => disk[path]);
    assert.deepEqual(files.map((file) => [file.path, file.before, file.after]), [
      ['src/a.ts', BEFORE, AFTER],
      ['src/new.ts', '', 'export const y = 1;\n'],
      ['src/old.ts', undefined, ''],
      ['src/to.ts', 'keep\nold\n', 'keep\nnew\n'],
    ]);
    assert.equal(files[3]?.beforePath, 'src/from.ts');
  });

  it('says it cannot tell the before text when the file changed since (or the patch is unknown)', () => {
    const [changed] = patchFileTexts(PATCH, [{ kind: 'M', path: 'src/a.ts' }], () => 'something else entirely\n');
    assert.equal(changed?.before, undefined);
    assert.equal(changed?.after, 'something else entirely\n');
    const [unknown] = patchFileTexts('not a patch', [{ kind: 'M', path: 'src/a.ts' }], () => AFTER);
    assert.equal(unknown?.before, undefined);
    const [missing] = patchFileTexts(PATCH, [{ kind: 'M', path: 'src/a.ts' }], () => undefined);
    assert.deepEqual([missing?.before, missing?.after], [undefined, undefined]);
  });
});
