import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hunkNewLines, hunkOldLines, parsePatch, type PatchOperation } from './parse-patch.js';
import { EVERY_SECTION_PATCH } from './every-section-patch.fixture.js';
import { PatchError } from './patch-error.js';

function parseError(patch: string): PatchError {
  try {
    parsePatch(patch);
  } catch (error) {
    assert.ok(PatchError.is(error));
    return error;
  }
  assert.fail('expected a parse error');
}

describe('parsePatch', () => {
  it('parses add, delete, update with move, anchors and end-of-file', () => {
    const ops = parsePatch(EVERY_SECTION_PATCH);
    const expected: PatchOperation[] = [
      { type: 'add', path: 'src/new.ts', contents: 'export const a = 1;\n\n', line: 2 },
      { type: 'delete', path: 'old.txt', line: 5 },
      {
        type: 'update',
        path: 'src/a.ts',
        moveTo: 'src/b.ts',
        line: 6,
        hunks: [
          {
            anchors: ['class Foo', '  method() {'],
            lines: [
              { kind: ' ', text: 'keep' },
              { kind: '-', text: 'gone' },
              { kind: '+', text: 'added' },
            ],
            isEndOfFile: false,
            line: 8,
          },
          {
            anchors: [],
            lines: [
              { kind: ' ', text: 'tail' },
              { kind: '+', text: 'last' },
            ],
            isEndOfFile: true,
            line: 13,
          },
        ],
      },
    ];
    assert.deepEqual(ops, expected);
  });

  it('accepts a first hunk without @@, a heredoc wrapper, CRLF and surrounding blank lines', () => {
    const patch = "\n\napply_patch <<'EOF'\r\n*** Begin Patch\r\n*** Update File: a.txt\r\n-x\r\n+y\r\n*** End Patch\r\nEOF\n\n";
    assert.deepEqual(parsePatch(patch), [
      {
        type: 'update',
        path: 'a.txt',
        line: 5,
        hunks: [
          {
            anchors: [],
            lines: [
              { kind: '-', text: 'x' },
              { kind: '+', text: 'y' },
            ],
            isEndOfFile: false,
            line: 6,
          },
        ],
      },
    ]);
    assert.equal(parsePatch('<<EOF\n*** Begin Patch\n*** Delete File: a\n*** End Patch\nEOF').length, 1);
    assert.equal(parsePatch('  *** Begin Patch  \n*** Delete File: a\n *** End Patch').length, 1);
  });

  it('treats a bare empty line inside a hunk as empty context, and skips blanks between hunks', () => {
    const [op] = parsePatch('*** Begin Patch\n*** Update File: a\n@@\n a\n\n-b\n+c\n\n@@ x\n-d\n*** End Patch');
    assert.equal(op?.type, 'update');
    assert.deepEqual(op.type === 'update' ? op.hunks.map((h) => [hunkOldLines(h.lines), hunkNewLines(h.lines)]) : [], [
      [['a', '', 'b', ''], ['a', '', 'c', '']],
      [['d'], []],
    ]);
  });

  it('rejects a missing Begin or End marker with its line', () => {
    const begin = parseError('*** Update File: a\n-x\n*** End Patch');
    assert.equal(begin.code, 'invalid_patch');
    assert.equal(begin.line, 1);
    const end = parseError('*** Begin Patch\n*** Delete File: a\n');
    assert.equal(end.code, 'invalid_patch');
    assert.equal(end.line, 2);
  });

  it('rejects an unknown header, an empty update and a bad hunk line with their lines', () => {
    assert.equal(parseError('*** Begin Patch\n*** Rename File: a\n*** End Patch').line, 2);
    const empty = parseError('*** Begin Patch\n*** Update File: a\n*** End Patch');
    assert.match(empty.message, /empty/);
    assert.equal(empty.line, 2);
    const bad = parseError('*** Begin Patch\n*** Update File: a\n@@\nnot prefixed\n*** End Patch');
    assert.equal(bad.line, 4);
    assert.equal(parseError('*** Begin Patch\n*** Update File: a\n@@ only anchor\n*** End Patch').line, 3);
    assert.equal(parseError('*** Begin Patch\n*** Add File: \n*** End Patch').line, 2);
  });

  it('requires @@ for hunks after an End of File marker', () => {
    const error = parseError('*** Begin Patch\n*** Update File: a\n-x\n*** End of File\n-y\n*** End Patch');
    assert.equal(error.line, 5);
  });
});
