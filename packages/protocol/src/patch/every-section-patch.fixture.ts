/**
 * A patch with every kind of section (add, delete, update with a move, `@@` anchors, end of file),
 * shared by the whole-patch and the streaming parser tests so both read the same text.
 */
export const EVERY_SECTION_PATCH = [
  '*** Begin Patch',
  '*** Add File: src/new.ts',
  '+export const a = 1;',
  '+',
  '*** Delete File: old.txt',
  '*** Update File: src/a.ts',
  '*** Move to: src/b.ts',
  '@@ class Foo',
  '@@   method() {',
  ' keep',
  '-gone',
  '+added',
  '@@',
  ' tail',
  '+last',
  '*** End of File',
  '*** End Patch',
].join('\n');
