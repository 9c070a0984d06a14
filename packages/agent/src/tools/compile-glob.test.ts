import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileGlob } from './compile-glob.js';

describe('compileGlob', () => {
  const matches = (glob: string, path: string): boolean => compileGlob(glob)?.(path) ?? true;

  it('matches a slash-free pattern at any depth and anchors one with a slash', () => {
    assert.equal(matches('*.ts', 'a/b/c.ts'), true);
    assert.equal(matches('*.ts', 'a/b/c.tsx'), false);
    assert.equal(matches('src/**/*.ts', 'src/a.ts'), true);
    assert.equal(matches('src/**/*.ts', 'src/x/y/a.ts'), true);
    assert.equal(matches('src/**/*.ts', 'lib/src/a.ts'), false);
    assert.equal(matches('src', 'src/a/b.ts'), true);
  });

  it('expands braces, splits lists and excludes with !', () => {
    assert.equal(matches('*.{ts,tsx}', 'a.tsx'), true);
    assert.equal(matches('*.{ts,tsx}', 'a.js'), false);
    assert.equal(matches('{src,lib}/*.{js,mjs}', 'lib/a.mjs'), true);
    assert.equal(matches('*.ts,*.md', 'README.md'), true);
    assert.equal(matches('*.ts !*.test.ts', 'a.test.ts'), false);
    assert.equal(matches('!*.test.ts', 'a.ts'), true);
    assert.equal(matches('!*.test.ts', 'a.test.ts'), false);
  });

  it('is case-sensitive, and undefined for an empty glob', () => {
    assert.equal(matches('*.TS', 'a.ts'), false);
    assert.equal(compileGlob('  '), undefined);
  });
});
