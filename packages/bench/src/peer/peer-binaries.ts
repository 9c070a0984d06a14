import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { engineBuildKey, isOnPath, nodeLlamaCppDirs, nodeLlamaCppVersions, sparkCacheDir } from '@spark/engine-llama';

/** llama.cpp's own server and benchmark, built from the very release the engine embeds. */
export interface PeerBinaries {
  readonly server: string;
  readonly bench: string;
  readonly release: string;
  /** The folder with both: put on LD_LIBRARY_PATH, in case a build linked llama.cpp's libraries shared. */
  readonly dir: string;
}

const TARGETS = ['llama-server', 'llama-bench'] as const;

/**
 * Builds `llama-server` and `llama-bench` once per machine from node-llama-cpp's bundled llama.cpp
 * source (offline), the way a user builds them (Release, native CPU features, OpenMP), and keeps
 * them in Spark's cache: a peer that differs from the engine only in what sits around the
 * kernels. Static libraries, so the cached binaries need nothing from the build tree.
 */
export async function peerBinaries(log: (line: string) => void): Promise<PeerBinaries> {
  const dirs = nodeLlamaCppDirs();
  const versions = await nodeLlamaCppVersions(dirs);
  const key = await engineBuildKey(versions);
  const dir = join(sparkCacheDir(), 'peer-builds', key);
  const binaries = { server: join(dir, 'llama-server'), bench: join(dir, 'llama-bench'), release: versions.release, dir };
  if (existsSync(binaries.server) && existsSync(binaries.bench)) return binaries;

  const work = await mkdtemp(join(tmpdir(), 'spark-peer-build-'));
  try {
    log(`building llama-server and llama-bench ${versions.release} from ${dirs.sourceBundle} (once; about 10 minutes on 2 cores)`);
    await run('git', ['clone', '--quiet', dirs.sourceBundle, join(work, 'src')], work, log);
    const generator = await isOnPath('ninja') ? ['-G', 'Ninja'] : [];
    await run('cmake', [
      '-S', join(work, 'src'), '-B', join(work, 'build'), ...generator,
      '-DCMAKE_BUILD_TYPE=Release', '-DBUILD_SHARED_LIBS=OFF', '-DGGML_NATIVE=ON', '-DGGML_OPENMP=ON',
      '-DLLAMA_CURL=OFF', '-DLLAMA_OPENSSL=OFF', '-DLLAMA_BUILD_TESTS=OFF', '-DLLAMA_BUILD_EXAMPLES=OFF',
      '-DLLAMA_BUILD_TOOLS=ON', '-DLLAMA_BUILD_SERVER=ON',
    ], work, log);
    await run('cmake', ['--build', join(work, 'build'), '--config', 'Release', '--parallel', '--target', ...TARGETS], work, log);
    const staging = `${dir}.partial-${process.pid}`;
    await rm(staging, { recursive: true, force: true });
    await cp(join(work, 'build', 'bin'), staging, { recursive: true });
    await rm(dir, { recursive: true, force: true });
    await rename(staging, dir);
    return binaries;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

function run(command: string, args: readonly string[], cwd: string, log: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const tail: string[] = [];
    const collect = (chunk: Buffer): void => {
      for (const line of chunk.toString().split('\n')) {
        if (line.trim() === '') continue;
        tail.push(line);
        if (tail.length > 30) tail.shift();
        const step = /^\[(\d+)\/(\d+)\]/.exec(line);
        if (step && Number(step[1]) % 25 === 0) log(`  ${step[1]}/${step[2]}`);
      }
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.once('error', reject);
    child.once('close', (code) => code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')} failed (${String(code)}):\n${tail.join('\n')}`)));
  });
}
