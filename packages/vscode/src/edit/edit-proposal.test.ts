import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { splitLines } from './edit-hunks.js';
import { acceptAll, acceptHunk, findHunk, isSettled, placeHunks, proposalHunks, proposedRegion, rejectHunk, type EditProposal, type LineReplacement } from './edit-proposal.js';

const HEADER = '// header\n\n';
const ORIGINAL = 'function add(a, b) {\n  return a + b;\n}\n\nfunction sub(a, b) {\n  return a - b;\n}\n';
const REWRITTEN = 'function add(a: number, b: number) {\n  return a + b;\n}\n\n// subtracts\nfunction sub(a: number, b: number) {\n  return a - b;\n}\n';
const FILE = `${HEADER}${ORIGINAL}// footer\n`;
const PROPOSAL: EditProposal = { start: 2, original: ORIGINAL, rewritten: REWRITTEN };

/** The file with a replacement made, as VS Code's WorkspaceEdit would. */
function replaced(file: string, replace: LineReplacement): string {
  const lines = splitLines(file);
  return [...lines.slice(0, replace.startLine), replace.text, ...lines.slice(replace.endLine)].join('');
}

describe('edit proposal', () => {
  it('places hunks in the file and in the proposed document, shifted by the hunks above', () => {
    const placed = placeHunks(PROPOSAL.start, proposalHunks(PROPOSAL));
    assert.deepEqual(placed.map((hunk) => [hunk.index, hunk.fileLine, hunk.proposedLine]), [[0, 2, 2], [1, 6, 6]]);
    // The proposed document is the file with the region rewritten: each hunk's added lines are at its proposed line.
    const proposed = splitLines(`${HEADER}${proposedRegion(PROPOSAL)}// footer\n`);
    for (const hunk of placed) assert.deepEqual(proposed.slice(hunk.proposedLine, hunk.proposedLine + hunk.added.length), hunk.added);
    // A first hunk that adds a line moves the second one down in the proposed document only.
    const grown: EditProposal = { start: 0, original: 'a\nb\nc\n', rewritten: 'a\nx\ny\nb\nC\n' };
    assert.deepEqual(placeHunks(0, proposalHunks(grown)).map((hunk) => [hunk.fileLine, hunk.proposedLine]), [[1, 1], [2, 4]]);
  });

  it('accepting one hunk changes only its lines in the file and leaves the other hunk proposed', () => {
    const second = acceptHunk(PROPOSAL, 1, FILE);
    assert.ok(second.ok);
    const file = replaced(FILE, second.replace);
    assert.match(file, /function sub\(a: number, b: number\)/);
    assert.match(file, /\/\/ subtracts\n/);
    assert.match(file, /function add\(a, b\)/, 'the first hunk is not applied');
    assert.ok(file.endsWith('// footer\n'));
    assert.equal(proposalHunks(second.next).length, 1);
    // Then the first one, against the file as it is now: the file ends up as the whole rewrite.
    const first = acceptHunk(second.next, 0, file);
    assert.ok(first.ok);
    assert.equal(replaced(file, first.replace), `${HEADER}${REWRITTEN}// footer\n`);
    assert.ok(isSettled(first.next));
  });

  it('rejecting a hunk drops it from the rewrite and keeps the file', () => {
    const next = rejectHunk(PROPOSAL, 0);
    assert.equal(next.original, ORIGINAL);
    assert.match(next.rewritten, /^function add\(a, b\)/);
    assert.equal(proposalHunks(next).length, 1);
    assert.ok(isSettled(rejectHunk(next, 0)));
    assert.equal(rejectHunk(PROPOSAL, 7), PROPOSAL, 'an index out of range changes nothing');
  });

  it('refuses when the file no longer holds the expected lines, even if only inside the region', () => {
    const edited = FILE.replace('  return a - b;', '  return b - a;');
    const refused = acceptHunk(PROPOSAL, 0, edited);
    assert.equal(refused.ok, false);
    assert.match(refused.ok ? '' : refused.reason, /line 8/);
    // Lines inserted above move the region: refused too, not applied in the wrong place.
    assert.equal(acceptAll(PROPOSAL, `// new\n${FILE}`).ok, false);
    assert.equal(acceptHunk(PROPOSAL, 5, FILE).ok, false);
  });

  it('accepts all hunks at once, and tolerates CRLF files', () => {
    const all = acceptAll(PROPOSAL, FILE);
    assert.ok(all.ok);
    assert.equal(replaced(FILE, all.replace), `${HEADER}${REWRITTEN}// footer\n`);
    assert.ok(isSettled(all.next));
    assert.equal(acceptHunk(PROPOSAL, 0, FILE.replace(/\n/g, '\r\n')).ok, true);
  });

  it('places the hunks of a rewrite still streaming, without calling the unwritten rest deleted', () => {
    const partial: EditProposal = { ...PROPOSAL, rewritten: 'function add(a: number, b: number) {\n  return a + b;\n}\n\n// subt' };
    assert.deepEqual(placeHunks(partial.start, proposalHunks(partial, true)).map((hunk) => hunk.fileLine), [2]);
    assert.equal(proposedRegion(partial, true), ORIGINAL.replace('function add(a, b)', 'function add(a: number, b: number)'));
  });

  it('finds the hunk a lens was drawn for after another hunk was taken, or says it is gone', () => {
    const [first, second] = placeHunks(PROPOSAL.start, proposalHunks(PROPOSAL));
    assert.ok(first !== undefined && second !== undefined);
    // A lens of the second hunk clicked before VS Code redrew it: its index was 1, it is 0 now.
    const rejected = rejectHunk(PROPOSAL, 0);
    assert.equal(findHunk(rejected, second), 0);
    assert.equal(findHunk(rejected, first), -1);
    assert.equal(findHunk(PROPOSAL, second), 1);
    // Two hunks reading the same: the nearest to the lens's own index.
    const twins: EditProposal = { start: 0, original: 'a\nb\na\n', rewritten: 'x\nb\nx\n' };
    const [one, two] = placeHunks(0, proposalHunks(twins));
    assert.ok(one !== undefined && two !== undefined);
    assert.equal(findHunk(twins, one), 0);
    assert.equal(findHunk(twins, two), 1);
  });
});
