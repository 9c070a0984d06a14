import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OPENMP_WAIT_POLICY, tuneOpenMpWait } from './openmp-wait.js';

void test('keeps OpenMP workers spinning unless the user chose a wait policy or a spin count', () => {
  const unset: NodeJS.ProcessEnv = {};
  tuneOpenMpWait(unset);
  assert.deepEqual(unset, { OMP_WAIT_POLICY: OPENMP_WAIT_POLICY });
  const spin: NodeJS.ProcessEnv = { GOMP_SPINCOUNT: '300000' };
  tuneOpenMpWait(spin);
  assert.deepEqual(spin, { GOMP_SPINCOUNT: '300000' });
  const policy: NodeJS.ProcessEnv = { OMP_WAIT_POLICY: 'passive' };
  tuneOpenMpWait(policy);
  assert.deepEqual(policy, { OMP_WAIT_POLICY: 'passive' });
});
