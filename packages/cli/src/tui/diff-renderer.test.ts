import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ansiStyle as s } from './ansi.js';
import { renderApplyPatch, renderUnifiedDiff, unifiedDiff } from './diff-renderer.js';
import { stripAnsi } from './text-width.js';

void describe('renderApplyPatch', () => {
  const patch = [
    '*** Begin Patch',
    '*** Update File: src/a.ts',
    '@@ function f',
    ' const a = 1;',
    '-const b = 2;',
    '+const b = 3;',
    '*** Add File: new.py',
    '+print("hi")',
    '*** Delete File: old.txt',
    '*** Update File: x.go',
    '*** Move to: y.go',
    '*** End Patch',
    '',
  ].join('\n');

  void it('styles headers, hunks, additions, deletions and context', () => {
    const out = renderApplyPatch(patch, { style: s });
    assert.deepEqual(out, [
      s.dim('*** Begin Patch'),
      s.bold('*** Update File: src/a.ts'),
      s.cyan('@@ function f'),
      s.dim(' const a = 1;'),
      s.red('-const b = 2;'),
      s.green('+const b = 3;'),
      s.bold('*** Add File: new.py'),
      s.green('+print("hi")'),
      s.bold('*** Delete File: old.txt'),
      s.bold('*** Update File: x.go'),
      s.bold('*** Move to: y.go'),
      s.dim('*** End Patch'),
    ]);
  });

  void it('highlights code by the file extension when asked, keeping the text', () => {
    const out = renderApplyPatch(patch, { style: s, highlight: true });
    assert.equal(out[5], `${s.green('+')}${s.magenta('const')} b = ${s.yellow('3')};`);
    assert.equal(out[3], s.dim(` ${s.magenta('const')} a = ${s.yellow('1')};`));
    assert.equal(out[7], `${s.green('+')}print(${s.green('"hi"')})`);
    assert.deepEqual(out.map(stripAnsi), patch.split('\n').slice(0, -1));
  });
});

void describe('renderUnifiedDiff', () => {
  void it('reads hunks by their counts, so a deleted "--- x" line is a deletion, not a header', () => {
    const diff = [
      'diff --git a/n.md b/n.md',
      'index 1234..5678 100644',
      '--- a/n.md',
      '+++ b/n.md',
      '@@ -1,3 +1,3 @@ intro',
      ' keep',
      '--- rule',
      '+++ added',
      ' tail',
      '\\ No newline at end of file',
    ].join('\n');
    assert.deepEqual(renderUnifiedDiff(diff, { style: s }), [
      s.bold('diff --git a/n.md b/n.md'),
      s.dim('index 1234..5678 100644'),
      s.bold('--- a/n.md'),
      s.bold('+++ b/n.md'),
      `${s.cyan('@@ -1,3 +1,3 @@')} intro`,
      s.dim(' keep'),
      s.red('--- rule'),
      s.green('+++ added'),
      s.dim(' tail'),
      s.dim('\\ No newline at end of file'),
    ]);
  });

  void it('renders the output of unifiedDiff', () => {
    const out = renderUnifiedDiff(unifiedDiff('a\nb\n', 'a\nc\n', 'f.txt'), { style: s });
    assert.deepEqual(out, [s.bold('--- a/f.txt'), s.bold('+++ b/f.txt'), s.cyan('@@ -1,2 +1,2 @@'), s.dim(' a'), s.red('-b'), s.green('+c')]);
  });
});

const lines = (n: number, from = 1): string => Array.from({ length: n }, (_, i) => `line ${i + from}`).join('\n') + '\n';

/** `diff -u -U<context>` of the two texts, headers dropped; null when diff(1) is missing. */
function systemDiff(dir: string, before: string, after: string, context: number): string | null {
  writeFileSync(join(dir, 'a'), before);
  writeFileSync(join(dir, 'b'), after);
  const run = spawnSync('diff', [`-U${context}`, join(dir, 'a'), join(dir, 'b')], { encoding: 'utf8' });
  if (run.error !== undefined) return null;
  return run.stdout.split('\n').slice(2).join('\n');
}

function body(diff: string): string {
  return diff.split('\n').slice(2).join('\n');
}

/** Applies a unified diff to `before` (a test oracle independent of the diff's construction). */
function applyDiff(before: string, diff: string): string {
  const old = before === '' ? [] : before.split('\n');
  const oldHasEol = before.endsWith('\n');
  if (oldHasEol) old.pop();
  const out: string[] = [];
  let at = 0;
  // Whether the last line written so far ends with a newline.
  let eol = true;
  const copy = (): void => { out.push(old[at] ?? ''); eol = at < old.length - 1 || oldHasEol; at++; };
  const rows = diff.split('\n');
  rows.pop();
  let last = '';
  for (const row of rows.slice(2)) {
    const hunk = /^@@ -(\d+)(?:,(\d+))? \+\d+(?:,\d+)? @@$/.exec(row);
    if (hunk !== null) {
      const start = Number(hunk[1]);
      const count = hunk[2] === undefined ? 1 : Number(hunk[2]);
      const first = count === 0 ? start : start - 1;
      while (at < first) copy();
      continue;
    }
    const tag = row[0] ?? '';
    const text = row.slice(1);
    if (tag === ' ') { assert.equal(old[at], text); out.push(text); at++; eol = true; }
    else if (tag === '-') { assert.equal(old[at], text); at++; }
    else if (tag === '+') { out.push(text); eol = true; }
    else if (tag === '\\') { if (last !== '-') eol = false; }
    else assert.fail(`unexpected diff row ${JSON.stringify(row)}`);
    last = tag;
  }
  while (at < old.length) copy();
  if (out.length === 0) return '';
  return out.join('\n') + (eol ? '\n' : '');
}

void describe('unifiedDiff', () => {
  const dir = mkdtempSync(join(tmpdir(), 'spark-udiff-'));
  after(() => { rmSync(dir, { recursive: true, force: true }); });

  const cases: { name: string; before: string; after: string }[] = [
    { name: 'one change in the middle', before: lines(20), after: lines(20).replace('line 10\n', 'line ten\n') },
    { name: 'two changes far apart: two hunks', before: lines(30), after: lines(30).replace('line 3\n', 'x\n').replace('line 25\n', 'y\n') },
    { name: 'two changes 6 apart: one merged hunk', before: lines(30), after: lines(30).replace('line 10\n', 'x\n').replace('line 17\n', 'y\n') },
    { name: 'two changes 7 apart: two hunks', before: lines(30), after: lines(30).replace('line 10\n', 'x\n').replace('line 18\n', 'y\n') },
    { name: 'insert at the start', before: lines(5), after: `new\n${lines(5)}` },
    { name: 'delete at the end', before: lines(8), after: lines(6) },
    { name: 'pure insertion in the middle', before: lines(10), after: lines(10).replace('line 5\n', 'line 5\nadded a\nadded b\n') },
    { name: 'new file', before: '', after: lines(3) },
    { name: 'deleted file', before: lines(3), after: '' },
    { name: 'no newline at end of the new side', before: lines(3), after: lines(3).slice(0, -1) },
    { name: 'no newline at end of the old side', before: 'a\nb', after: 'a\nb\nc\n' },
    { name: 'no newline on both sides, last line changed', before: 'a\nb', after: 'a\nc' },
    { name: 'no newline on both sides, change earlier', before: lines(10).slice(0, -1), after: lines(10).replace('line 2\n', 'two\n').slice(0, -1) },
    { name: 'replace a block with a longer one', before: lines(12), after: lines(12).replace('line 4\nline 5\n', 'four\nfive\nsix\n') },
  ];

  for (const c of cases) {
    void it(`matches diff -u: ${c.name}`, (t) => {
      for (const context of [3, 1, 0]) {
        const ours = unifiedDiff(c.before, c.after, 'f', context);
        assert.equal(applyDiff(c.before, ours), c.after, `applying our diff (U${context})`);
        const theirs = systemDiff(dir, c.before, c.after, context);
        if (theirs === null) { t.skip('diff(1) is not installed'); return; }
        assert.equal(body(ours), theirs, `U${context}`);
      }
    });
  }

  void it('writes git-style headers, /dev/null for an absent side, nothing when identical', () => {
    assert.equal(unifiedDiff('a\n', 'a\n', 'f'), '');
    assert.equal(unifiedDiff('', 'x\n', 'n.txt'), '--- /dev/null\n+++ b/n.txt\n@@ -0,0 +1 @@\n+x\n');
    assert.equal(unifiedDiff('x\n', '', 'o.txt'), '--- a/o.txt\n+++ /dev/null\n@@ -1 +0,0 @@\n-x\n');
  });

  void it('produces a minimal diff that applies, on random inputs', () => {
    let seed = 5;
    const rand = (n: number): number => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
    const make = (): string => {
      const n = rand(25);
      let text = Array.from({ length: n }, () => 'abcde'[rand(5)] ?? 'a').join('\n');
      if (n > 0 && rand(4) !== 0) text += '\n';
      return text;
    };
    for (let trial = 0; trial < 400; trial++) {
      const before = make();
      const after = make();
      const diff = unifiedDiff(before, after, 'f', rand(4));
      if (before === after) { assert.equal(diff, ''); continue; }
      assert.equal(applyDiff(before, diff), after, JSON.stringify({ before, after, diff }));
      // Minimal: changed rows = |a| + |b| - 2 LCS (line-level, ignoring the trailing-newline twist).
      const a = before.split('\n');
      const b = after.split('\n');
      if (before.endsWith('\n') && after.endsWith('\n')) {
        a.pop(); b.pop();
        const dp = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
        for (let i = a.length - 1; i >= 0; i--) for (let j = b.length - 1; j >= 0; j--) {
          dp[i]![j] = a[i] === b[j] ? dp[i + 1]![j + 1]! + 1 : Math.max(dp[i + 1]![j]!, dp[i]![j + 1]!);
        }
        const changed = diff.split('\n').slice(2).filter((row) => row.startsWith('+') || row.startsWith('-')).length;
        assert.equal(changed, a.length + b.length - 2 * dp[0]![0]!);
      }
    }
  });

  void it('falls back to one delete-all/insert-all hunk past the edit-distance limit, still correct', () => {
    const before = lines(40);
    const after = lines(40).replace(/line (\d*[05])\n/g, 'changed $1\n');
    const diff = unifiedDiff(before, after, 'f', 3, { maxEditDistance: 2 });
    assert.equal(applyDiff(before, diff), after);
    assert.equal(diff.split('\n').filter((row) => row.startsWith('@@')).length, 1);
  });
});
