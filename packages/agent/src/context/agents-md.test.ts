import assert from 'node:assert/strict';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadProjectInstructions } from './agents-md.js';

void describe('loadProjectInstructions', () => {
  void it('reads AGENTS.md from the git root down to cwd, deeper files last, and stops above the root', async () => {
    const outer = await mkdtemp(join(tmpdir(), 'spark-agents-'));
    const root = join(outer, 'repo');
    await mkdir(join(root, '.git'), { recursive: true });
    await mkdir(join(root, 'packages', 'web'), { recursive: true });
    await writeFile(join(outer, 'AGENTS.md'), 'outside the repo');
    await writeFile(join(root, 'AGENTS.md'), 'Use tabs.\n');
    await writeFile(join(root, 'packages', 'web', 'AGENTS.md'), 'Web: no jQuery.\n');
    const found = await loadProjectInstructions(join(root, 'packages', 'web'));
    assert.deepEqual(found.files, [join(root, 'AGENTS.md'), join(root, 'packages', 'web', 'AGENTS.md')]);
    assert.equal(found.text, '## AGENTS.md in .\nUse tabs.\n\n## AGENTS.md in packages/web\nWeb: no jQuery.');
    assert.equal(found.truncated, false);
    const capped = await loadProjectInstructions(join(root, 'packages', 'web'), 12);
    assert.equal(capped.truncated, true);
    assert.equal(capped.files.length, 2);
  });

  void it('without a git root reads only cwd', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'spark-agents-'));
    assert.deepEqual(await loadProjectInstructions(dir), { files: [], text: '', truncated: false });
  });
});
