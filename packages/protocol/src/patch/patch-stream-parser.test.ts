import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EVERY_SECTION_PATCH } from './every-section-patch.fixture.js';
import { parsePatch, type PatchOperation } from './parse-patch.js';
import { PatchStreamParser, type PatchStreamPart } from './patch-stream-parser.js';

const PATCHES: readonly string[] = [
  EVERY_SECTION_PATCH,
  // The first hunk without `@@`, blank lines as context and between sections, CRLF, a heredoc.
  ["apply_patch <<'EOF'", '*** Begin Patch', '*** Update File: a.py', ' def f():', '-    return 1', '+    return 2', '', '@@ def g():', ' x', '', '*** Add File: b.py', '+b', '', '*** End Patch', 'EOF', ''].join('\r\n'),
  ['', '  *** Begin Patch  ', '*** Update File: only.txt', '@@', '-a', '+b', '  *** End Patch  ', '', ''].join('\n'),
  // ` *** End Patch` inside a hunk: context unless it is the last line.
  ['*** Begin Patch', '*** Update File: z', '@@', ' *** End Patch', '', '  ', '-a', '+b', '*** End Patch'].join('\n'),
  ['*** Begin Patch', '*** Delete File: x', '*** Update File: y', '@@ top', '+inserted', '*** End Patch'].join('\n'),
];

/** Rebuilds parsePatch's operations from the parts, as a consumer would. */
function assemble(parts: readonly PatchStreamPart[]): PatchOperation[] {
  const ops: PatchOperation[] = [];
  for (const part of parts) {
    if (part.type === 'add' || part.type === 'delete') ops.push(part.operation);
    else if (part.type === 'update') {
      ops.push(part.moveTo === undefined ? { type: 'update', path: part.path, hunks: [], line: part.line } : { type: 'update', path: part.path, moveTo: part.moveTo, hunks: [], line: part.line });
    } else if (part.type === 'hunk') {
      const last = ops.at(-1);
      assert.ok(last?.type === 'update' && last.path === part.path && last.hunks.length === part.index);
      (last.hunks as unknown[]).push(part.hunk);
    } else if (part.type === 'error') throw part.error;
  }
  return ops;
}

function streamed(deltas: readonly string[]): PatchStreamPart[] {
  const parser = new PatchStreamParser();
  const parts = deltas.flatMap((delta) => parser.push(delta));
  return [...parts, ...parser.end()];
}

/** A deterministic split of `text` into deltas of 1 to `max` characters. */
function split(text: string, seed: number, max: number): string[] {
  let state = seed;
  const out: string[] = [];
  for (let i = 0; i < text.length; ) {
    state = (state * 1103515245 + 12345) % 2147483648;
    const size = 1 + (state % max);
    out.push(text.slice(i, i + size));
    i += size;
  }
  return out;
}

void describe('PatchStreamParser', () => {
  void it('yields the operations parsePatch returns on the whole text, whatever the split', () => {
    for (const patch of PATCHES) {
      const expected = parsePatch(patch);
      assert.deepEqual(assemble(streamed([patch])), expected);
      for (let seed = 1; seed <= 60; seed++) {
        assert.deepEqual(assemble(streamed(split(patch, seed, 1 + (seed % 12)))), expected, `seed ${seed}`);
      }
      assert.deepEqual(assemble(streamed([...patch])), expected, 'one character per delta');
    }
  });

  void it('reports each hunk when the line after it arrives, before the patch ends', () => {
    const parser = new PatchStreamParser();
    assert.deepEqual(parser.push('*** Begin Patch\n*** Update File: a.txt\n@@\n-one\n+two\n'), [{ type: 'update', path: 'a.txt', line: 2 }]);
    const parts = parser.push('@@ next');
    assert.deepEqual(parts, [], 'an unfinished line completes nothing');
    const [hunk] = parser.push('\n');
    assert.equal(hunk?.type, 'hunk');
    assert.deepEqual(hunk.type === 'hunk' ? [hunk.index, hunk.hunk.lines] : [], [0, [{ kind: '-', text: 'one' }, { kind: '+', text: 'two' }]]);
    assert.equal(parser.ended, false);
  });

  void it('reports an add once the next header arrives, and a delete at once', () => {
    const parser = new PatchStreamParser();
    assert.deepEqual(parser.push('*** Begin Patch\n*** Add File: n.txt\n+hello\n'), []);
    const parts = parser.push('*** Delete File: d.txt\n');
    assert.deepEqual(parts.map((p) => p.type), ['add', 'delete']);
  });

  void it('reports a malformed patch as an error part, and what parsePatch rejects, it rejects', () => {
    const bad = [
      ['*** Begin Patch', '*** Frobnicate File: x', '*** End Patch'],
      ['*** Begin Patch', '*** Update File: x', '*** End Patch'],
      ['*** Begin Patch', '*** Update File: x', '@@', '-a', 'oops', '*** End Patch'],
      ['*** Begin Patch', '*** Update File: x', '@@', '-a', '+b'],
      ['not a patch'],
    ].map((lines) => lines.join('\n'));
    for (const patch of bad) {
      assert.throws(() => parsePatch(patch));
      const error = streamed(split(patch, 7, 5)).find((part) => part.type === 'error');
      assert.ok(error !== undefined, patch);
    }
  });
});
