// Bundles the extension (CommonJS for VS Code's Node extension host, `vscode` external) and the
// chat webview (the browser app's components and store, for the browser) with esbuild.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const common = { bundle: true, minify: true, sourcemap: false, logLevel: 'warning', absWorkingDir: root, legalComments: 'none' };

await Promise.all([
  build({
    ...common,
    entryPoints: ['src/extension/extension.ts'],
    outfile: 'dist/extension.cjs',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    // ws's optional native speed-ups are not shipped; it falls back to JavaScript.
    external: ['vscode', 'bufferutil', 'utf-8-validate'],
  }),
  build({
    ...common,
    entryPoints: { webview: 'src/webview/main.tsx' },
    outdir: 'dist/webview',
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    loader: { '.woff2': 'file', '.svg': 'file' },
  }),
]);
