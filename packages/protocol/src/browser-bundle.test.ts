import assert from 'node:assert/strict';
import { dirname } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { build, type BuildOptions } from 'esbuild';

/** This package's compiled entry point, beside this test in dist/. */
const ENTRY = fileURLToPath(new URL('./index.js', import.meta.url));

/** A browser bundle: esbuild refuses to resolve a Node built-in for platform 'browser'. */
const BROWSER: BuildOptions = { bundle: true, platform: 'browser', format: 'esm', write: false, logLevel: 'silent', metafile: true };

void describe('@spark/protocol in a browser', () => {
  void it('bundles for the browser: nothing it loads is a Node built-in', async () => {
    const result = await build({ ...BROWSER, entryPoints: [ENTRY] });
    const inputs = Object.keys(result.metafile?.inputs ?? {});
    assert.ok(inputs.some((path) => path.endsWith('protocol/dist/index.js')), 'the bundle holds the package');
    assert.deepEqual(inputs.filter((path) => path.startsWith('node:')), []);
    const text = result.outputFiles?.[0]?.text ?? '';
    assert.doesNotMatch(text, /\bBuffer\.|\bprocess\.env\b/);
  });

  void it('would fail on a module that reaches for one (the check can fail)', async () => {
    const stdin = { contents: `export * from ${JSON.stringify(ENTRY)}; export { readFileSync } from 'node:fs';`, resolveDir: dirname(ENTRY) };
    await assert.rejects(build({ ...BROWSER, stdin }), /node:fs/);
  });
});
