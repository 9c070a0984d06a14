import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { completeHunks } from './patch-stream-probe.js';

void describe('completeHunks', () => {
  const patch = '*** Begin Patch\n*** Update File: a.ts\n@@\n a\n-b\n+c\n@@ function f\n d\n-e\n+f\n*** Add File: b.ts\n+x\n*** Delete File: c.ts\n*** End Patch\n';

  void it('counts a hunk only once the next @@ or *** line has started', () => {
    const cut = (marker: string): string => patch.slice(0, patch.indexOf(marker));
    assert.equal(completeHunks(''), 0);
    assert.equal(completeHunks(cut('@@ function')), 0);
    assert.equal(completeHunks(`${cut('@@ function')}@`), 0);
    assert.equal(completeHunks(`${cut('@@ function')}@@`), 1);
    assert.equal(completeHunks(cut('*** Add')), 1);
    assert.equal(completeHunks(`${cut('*** Add')}***`), 2);
    assert.equal(completeHunks(cut('*** End Patch')), 3);
    assert.equal(completeHunks(patch), 4);
  });

  void it('reads an update without @@ and keeps *** End of File inside its hunk', () => {
    const text = '*** Begin Patch\n*** Update File: a.ts\n-a\n+b\n*** End of File\n';
    assert.equal(completeHunks(text), 0);
    assert.equal(completeHunks(`${text}*** End Patch\n`), 1);
  });
});
