// Packs Spark into one installable npm package, ./spark-<version>.tgz, for
// `npm install -g ./spark-<version>.tgz` (run after `npm run build`; `npm run pack` does both).
// `--out <dir>` writes the tarball there instead of the repo root; the path is printed last.
//
// esbuild bundles the CLI with every workspace package (@spark/*) and the pure-JavaScript
// dependencies into dist/main.js, and the tokenizer worker into dist/tokenizer-worker-main.js
// beside it (the engine starts it as `new URL('./tokenizer-worker-main.js', import.meta.url)`).
// Packages that read their own files at run time stay real dependencies, installed from the
// registry at the versions this workspace runs: node-llama-cpp (native binaries, grammars, the
// llama.cpp source bundle `spark engine build` compiles) and node-sqlite3-wasm (its .wasm).
import { spawnSync } from 'node:child_process';
import { builtinModules } from 'node:module';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({ options: { out: { type: 'string' } } });
const out = values.out === undefined ? root : resolve(values.out);

/** Dependencies that stay outside the bundle: each reads files relative to itself. */
const EXTERNAL = ['node-llama-cpp', 'node-sqlite3-wasm'];

/** Optional speed-ups ws loads inside try/catch when installed; without them it uses its own JavaScript. */
const OPTIONAL = ['bufferutil', 'utf-8-validate'];

/** The bundled entries, by output name: the CLI, and the worker thread the engine starts beside it. */
const ENTRIES = {
  main: join(root, 'packages/cli/dist/main.js'),
  'tokenizer-worker-main': join(root, 'packages/engine-llama/dist/tokenizer/tokenizer-worker-main.js'),
};

// Bundled CommonJS (ws, yauzl) calls require() for Node's built-ins; an ES module has none.
const REQUIRE_SHIM = "import { createRequire as __sparkCreateRequire } from 'node:module';\nconst require = __sparkCreateRequire(import.meta.url);";

function readJson(path) {
  return JSON.parse(readFileSync(path, 'utf8'));
}

/** The version installed in the workspace, so the package runs on what the tests ran on. */
function installedVersion(name) {
  return readJson(join(root, 'node_modules', name, 'package.json')).version;
}

/** The license texts of the packages bundled into dist/, which their licenses ask copies to carry. */
function thirdPartyLicenses(inputs) {
  const dirs = new Set(inputs.map((input) => /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input)?.[1]).filter((dir) => dir !== undefined));
  const sections = [...dirs].sort().map((dir) => {
    const pkg = readJson(join(root, dir, 'package.json'));
    const file = readdirSync(join(root, dir)).find((name) => /^licen[cs]e/i.test(name));
    if (file === undefined) throw new Error(`${pkg.name} is bundled but ships no license file`);
    return `## ${pkg.name}@${pkg.version} (${pkg.license})\n\n\`\`\`\n${readFileSync(join(root, dir, file), 'utf8').trim()}\n\`\`\`\n`;
  });
  return `# Third-party code bundled into dist/\n\n${sections.join('\n')}`;
}

const cli = readJson(join(root, 'packages/cli/package.json'));
const rootPackage = readJson(join(root, 'package.json'));
for (const entry of Object.values(ENTRIES)) {
  if (!existsSync(entry)) throw new Error(`${entry} is missing: run \`npm run build\` first`);
}

const stage = mkdtempSync(join(tmpdir(), 'spark-pack-'));
try {
  const result = await build({
    absWorkingDir: root,
    entryPoints: ENTRIES,
    outdir: join(stage, 'dist'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: `node${rootPackage.engines.node.replace(/^>=/, '')}`,
    external: EXTERNAL,
    banner: { js: REQUIRE_SHIM },
    legalComments: 'eof',
    metafile: true,
    logLevel: 'warning',
  });
  if (result.warnings.length > 0) throw new Error(`esbuild warned ${result.warnings.length} time(s); see above`);

  // Every import left in the bundle must be a Node built-in or a declared dependency.
  const builtins = new Set(builtinModules);
  for (const [file, output] of Object.entries(result.metafile.outputs)) {
    for (const { path } of output.imports.filter((i) => i.external)) {
      const name = path.startsWith('@') ? path.split('/').slice(0, 2).join('/') : path.split('/')[0];
      if (!path.startsWith('node:') && !builtins.has(name) && !EXTERNAL.includes(name) && !OPTIONAL.includes(name)) {
        throw new Error(`${file} imports '${path}', which is neither bundled nor a dependency`);
      }
    }
  }

  const manifest = {
    name: 'spark',
    version: cli.version,
    description: rootPackage.description,
    // Installed from a tarball, never published: "spark" on the registry is someone else's.
    private: true,
    type: 'module',
    bin: { spark: 'dist/main.js' },
    engines: rootPackage.engines,
    dependencies: Object.fromEntries(EXTERNAL.map((name) => [name, installedVersion(name)])),
  };
  writeFileSync(join(stage, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  copyFileSync(join(root, 'README.md'), join(stage, 'README.md'));
  writeFileSync(join(stage, 'THIRD_PARTY_LICENSES.md'), thirdPartyLicenses(Object.keys(result.metafile.inputs)));

  // One tarball at a time, so `npm install -g ./spark-*.tgz` installs this one.
  for (const old of readdirSync(out).filter((name) => /^spark-.*\.tgz$/.test(name))) rmSync(join(out, old));
  const packed = spawnSync('npm', ['pack', '--silent', '--pack-destination', out], { cwd: stage, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (packed.status !== 0) throw new Error(`npm pack failed (exit ${packed.status})`);
  console.log(join(out, packed.stdout.trim().split('\n').at(-1)));
} finally {
  rmSync(stage, { recursive: true, force: true });
}
