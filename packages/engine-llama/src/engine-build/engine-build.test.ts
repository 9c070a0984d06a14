import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildEngine, engineBuildStatus, restoreEngineBuild } from './engine-build.js';
import { findToolchain } from './find-toolchain.js';
import type { NodeLlamaCppDirs } from './node-llama-cpp-dirs.js';

/**
 * A stand-in for the node-llama-cpp package: its version files and a `cli.js` that does what
 * `source download` leaves behind (a build folder with the addon and the done marker), printing
 * compiler-style progress; `exit` makes it fail instead.
 */
async function fakePackage(root: string, behaviour: 'build' | 'fail'): Promise<NodeLlamaCppDirs> {
  await mkdir(join(root, 'llama'), { recursive: true });
  await mkdir(join(root, 'dist', 'cli'), { recursive: true });
  await writeFile(join(root, 'package.json'), JSON.stringify({ version: '9.9.9' }));
  await writeFile(join(root, 'llama', 'llama.cpp.info.json'), JSON.stringify({ tag: 'b1234' }));
  const cli = join(root, 'dist', 'cli', 'cli.js');
  await writeFile(cli, behaviour === 'build'
    ? `const fs = require('node:fs'); const path = require('node:path');
const out = path.join(${JSON.stringify(join(root, 'llama', 'localBuilds', 'linux-x64'))});
fs.mkdirSync(path.join(out, 'Release'), { recursive: true });
fs.writeFileSync(path.join(out, 'Release', 'llama-addon.node'), 'addon');
fs.writeFileSync(path.join(out, 'buildDone.status'), '');
fs.writeFileSync(path.join(out, 'args.json'), JSON.stringify({ argv: process.argv.slice(2), ci: process.env.CI }));
console.log('[1/2] Building CXX object ggml.c.o'); console.log('[2/2] Linking llama-addon.node');`
    : `console.error('CMake Error: no compiler works'); process.exit(3);`);
  return { root, cli, localBuilds: join(root, 'llama', 'localBuilds'), sourceBundle: join(root, 'llama', 'gitRelease.bundle'), jsonGrammar: join(root, 'llama', 'grammars', 'json.gbnf') };
}

/** A PATH directory holding empty executables with the given names. */
async function toolDir(dir: string, names: readonly string[]): Promise<string> {
  await mkdir(dir, { recursive: true });
  for (const name of names) {
    await writeFile(join(dir, name), '#!/bin/sh\n');
    await chmod(join(dir, name), 0o755);
  }
  return dir;
}

void test('builds once with OpenMP (not in CI mode), caches the binaries, and restores them after node_modules is emptied', async () => {
  const work = await mkdtemp(join(tmpdir(), 'spark-engine-build-'));
  try {
    const dirs = await fakePackage(join(work, 'pkg'), 'build');
    const env = { SPARK_CACHE_DIR: join(work, 'cache'), PATH: await toolDir(join(work, 'bin'), ['cmake', 'g++', 'make']), CI: 'true' };
    const before = await engineBuildStatus(env, dirs);
    assert.match(before.key, /^nlc-9\.9\.9-b1234-/);
    assert.equal(before.installed, false);
    assert.equal(before.cached, false);

    const lines: string[] = [];
    assert.equal(await buildEngine({ env, dirs, onOutput: (line) => lines.push(line) }), 'built');
    assert.deepEqual(lines, ['[1/2] Building CXX object ggml.c.o', '[2/2] Linking llama-addon.node']);
    const args = JSON.parse(await readFile(join(dirs.localBuilds, 'linux-x64', 'args.json'), 'utf8')) as { argv: string[]; ci: string };
    assert.deepEqual(args.argv, ['source', 'download', '--gpu', 'false', '--noUsageExample']);
    assert.equal(args.ci, 'false', 'CI mode builds without OpenMP, so the build must not run in it');
    const built = await engineBuildStatus(env, dirs);
    assert.equal(built.installed, true);
    assert.equal(built.cached, true);
    assert.equal(await buildEngine({ env, dirs }), 'installed');

    // `npm ci` empties node_modules: the cache brings the build back without compiling.
    await rm(dirs.localBuilds, { recursive: true });
    await writeFile(dirs.cli, 'process.exit(9);');
    assert.equal(await buildEngine({ env, dirs }), 'restored');
    assert.equal(await readFile(join(dirs.localBuilds, 'linux-x64', 'Release', 'llama-addon.node'), 'utf8'), 'addon');
    await rm(dirs.localBuilds, { recursive: true });
    assert.equal(await restoreEngineBuild(env, dirs), true);
    assert.equal((await engineBuildStatus(env, dirs)).installed, true);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
});

void test('a build folder made for another machine (or by hand, without a key) is not taken for this one', async () => {
  const work = await mkdtemp(join(tmpdir(), 'spark-engine-build-'));
  try {
    const dirs = await fakePackage(join(work, 'pkg'), 'build');
    const env = { SPARK_CACHE_DIR: join(work, 'cache') };
    const folder = join(dirs.localBuilds, 'linux-x64');
    await mkdir(join(folder, 'Release'), { recursive: true });
    await writeFile(join(folder, 'Release', 'llama-addon.node'), 'addon');
    await writeFile(join(folder, 'buildDone.status'), '');
    assert.equal((await engineBuildStatus(env, dirs)).installed, false);
    await writeFile(join(folder, 'spark-build-key'), 'nlc-9.9.9-b1234-linux-x64-cpu-000000000000\n');
    assert.equal((await engineBuildStatus(env, dirs)).installed, false);
    assert.equal(await restoreEngineBuild(env, dirs), false);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
});

void test('without a compiler toolchain: one clear error naming what is missing; a failed compile reports its last lines', async () => {
  const work = await mkdtemp(join(tmpdir(), 'spark-engine-build-'));
  try {
    const dirs = await fakePackage(join(work, 'pkg'), 'fail');
    const empty = { SPARK_CACHE_DIR: join(work, 'cache'), PATH: await toolDir(join(work, 'none'), ['make']) };
    assert.deepEqual((await findToolchain(empty)).missing, ['cmake', 'a C++ compiler']);
    await assert.rejects(buildEngine({ env: empty, dirs }), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'toolchain_missing');
      assert.match(error.message, /needs cmake, a C\+\+ compiler .*apt-get install cmake g\+\+/);
      return true;
    });
    const tools = { SPARK_CACHE_DIR: join(work, 'cache'), PATH: await toolDir(join(work, 'bin'), ['cmake', 'clang++', 'ninja']) };
    assert.deepEqual((await findToolchain(tools)).missing, []);
    await assert.rejects(buildEngine({ env: tools, dirs }), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'build_failed');
      assert.match(error.message, /exit 3[\s\S]*CMake Error: no compiler works/);
      return true;
    });
    assert.equal((await engineBuildStatus(tools, dirs)).cached, false);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
});

void test('an aborted build stops the compiler and says so', async () => {
  const work = await mkdtemp(join(tmpdir(), 'spark-engine-build-'));
  try {
    const dirs = await fakePackage(join(work, 'pkg'), 'build');
    await writeFile(dirs.cli, 'console.log("[1/900] Building"); setTimeout(() => {}, 60000);');
    const env = { SPARK_CACHE_DIR: join(work, 'cache'), PATH: await toolDir(join(work, 'bin'), ['cmake', 'g++', 'make']) };
    const controller = new AbortController();
    const build = buildEngine({ env, dirs, signal: controller.signal, onOutput: () => controller.abort() });
    await assert.rejects(build, { code: 'aborted' });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
});
