import { builtinModules } from 'node:module';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// The package map's arrows point one way (docs/architecture.md): these rules hold them for the
// shipped code of each package; tests and testing/ helpers may start a server.
const TESTS = ['**/*.test.ts', '**/testing/**'];
const restrict = (patterns) => ({ 'no-restricted-imports': ['error', { patterns }] });
const server = { group: ['@spark/server', '@spark/server/*'], message: 'Clients reach the server over the wire (@spark/client), never by importing it.' };
const engineLlama = { group: ['@spark/engine-llama', '@spark/engine-llama/*'], message: 'The llama engine sits behind the server; import the contract (@spark/engine) at most.' };
const engine = { group: ['@spark/engine', '@spark/engine/*'], message: 'A client sees the wire, not the engine: use @spark/protocol.' };

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'scripts/**', '.ci/**', '.scratch/**', 'packages/web/dev/**', 'packages/vscode/scripts/**', 'eslint.config.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': ['error', {
        // node:test's describe/it return promises the runner itself awaits.
        allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite', 'before', 'after', 'beforeEach', 'afterEach'] }],
      }],
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
    },
  },
  {
    // Runtime-neutral: loads in a browser, a worker or an extension host (bundled by protocol's browser-bundle test).
    files: ['packages/protocol/src/**/*.ts'],
    ignores: TESTS,
    rules: {
      ...restrict([
        { group: ['node:*', ...builtinModules], message: '@spark/protocol is runtime-neutral: no Node built-ins.' },
        { group: ['@spark/*'], message: '@spark/protocol is the bottom of the package map: it imports no other @spark package.' },
      ]),
      'no-restricted-globals': ['error',
        { name: 'Buffer', message: '@spark/protocol is runtime-neutral: use strings, Uint8Array, TextEncoder.' },
        { name: 'process', message: '@spark/protocol is runtime-neutral: take settings as arguments.' },
      ],
    },
  },
  { files: ['packages/client/src/**/*.ts'], ignores: TESTS, rules: restrict([server, engineLlama, engine]) },
  {
    // The host's wire is read by browsers and extension hosts: runtime-neutral like protocol.
    files: ['packages/host/src/wire/**/*.ts'],
    ignores: TESTS,
    rules: restrict([
      { group: ['node:*', ...builtinModules], message: "The host's wire is runtime-neutral: no Node built-ins." },
      { group: ['@spark/*', '!@spark/protocol'], message: "The host's wire builds on @spark/protocol only." },
    ]),
  },
  {
    // UIs speak the host's wire and nothing below it (docs/architecture.md).
    // The extension's Node side (packages/vscode/src/extension) reaches the host through its lock file and a `ws` socket.
    files: ['packages/web/src/**/*.{ts,tsx}', 'packages/vscode/src/**/*.{ts,tsx}'],
    ignores: [...TESTS, 'packages/vscode/src/extension/**', 'packages/vscode/src/edit/**'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [{ name: '@spark/host', message: 'A UI uses the host wire (@spark/host/wire), not the host.' }],
        patterns: [
          server, engineLlama, engine,
          { group: ['@spark/agent', '@spark/agent/*', '@spark/client', '@spark/client/*'], message: 'A UI uses the host wire (@spark/host/wire) and @spark/protocol only.' },
          { group: ['node:*', ...builtinModules], message: 'Browser code: no Node built-ins.' },
        ],
      }],
    },
  },
  {
    // Edit Selection's path is not a UI of the host: it is a Responses API client of `spark serve`
    // itself (the selection as `prediction`, straight to /v1/responses), so it speaks the wire
    // through @spark/client like any other client. It stays free of `vscode` and of Node
    // built-ins of its own: the bench imports it in plain Node (`spark-vscode/edit`).
    files: ['packages/vscode/src/edit/**/*.ts'],
    ignores: TESTS,
    rules: {
      'no-restricted-imports': ['error', {
        paths: [
          { name: '@spark/host', message: 'Edit Selection talks to spark serve over the wire (@spark/client), not to the host.' },
          { name: 'vscode', message: "The edit path is vscode-free: the bench runs it in Node (the extension's side is src/extension)." },
        ],
        patterns: [
          server, engineLlama, engine,
          { group: ['@spark/agent', '@spark/agent/*', '@spark/host/*'], message: 'Edit Selection is one request to the Responses API: @spark/client and @spark/protocol only.' },
          { group: ['node:*', ...builtinModules], message: 'The edit path leaves transport to @spark/client: no Node built-ins of its own.' },
        ],
      }],
    },
  },
  {
    // The extension host (Node): the lock file reader and the wire of @spark/host, never the host's agents, server or engines.
    files: ['packages/vscode/src/extension/**/*.ts'],
    ignores: TESTS,
    rules: {
      'no-restricted-imports': ['error', {
        paths: [{ name: '@spark/host', message: 'The extension uses @spark/host/host-lock and @spark/host/wire, not the host itself.' }],
        patterns: [server, engineLlama, engine, { group: ['@spark/agent', '@spark/agent/*', '@spark/client', '@spark/client/*'], message: 'The extension is a client of the agent host.' }],
      }],
    },
  },
  { files: ['packages/agent/src/**/*.ts'], ignores: TESTS, rules: restrict([server, engineLlama, engine]) },
  // An upstream is an engine beside engine-llama: it fits the contract and speaks the wire, never the gateway.
  { files: ['packages/engine-upstream/src/**/*.ts'], ignores: TESTS, rules: restrict([server, engineLlama]) },
  {
    files: ['packages/*/src/index.ts'],
    rules: { 'no-restricted-syntax': ['error', { selector: 'ExportAllDeclaration', message: 'Name what a package exports: no `export *` from its index.' }] },
  },
);
