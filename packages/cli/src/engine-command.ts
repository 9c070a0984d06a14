import { buildEngine, EngineBuildError, engineBuildStatus } from '@spark/engine-llama';
import { CliError } from './cli-error.js';

export const ENGINE_USAGE = `Usage:
  spark engine build      compile llama.cpp for this CPU with a persistent thread pool (once, about
                          12 minutes on 2 cores, offline; needs cmake and a C++ compiler), or restore
                          it from the cache; the next start of the engine uses it
  spark engine status     which binaries the engine loads, and where the build is kept`;

export async function engineCommand(argv: readonly string[], signal: AbortSignal): Promise<void> {
  const [sub] = argv;
  switch (sub) {
    case 'build': {
      const started = performance.now();
      let lastStep = '';
      try {
        const result = await buildEngine({
          signal,
          onOutput: (line) => {
            // The compiler prints a line per file ([37/153] Building ...): show the steps, not the noise.
            const step = /^\[(\d+\/\d+)\]/.exec(line)?.[1];
            if (step !== undefined) {
              // A terminal gets one line redrawn; a log (CI) a line every 25 steps.
              if (process.stderr.isTTY) process.stderr.write(`\rcompiling llama.cpp ${step}   `);
              else if (Number(step.split('/')[0]) % 25 === 0) process.stderr.write(`compiling llama.cpp ${step}\n`);
              lastStep = step;
            } else if (/error|warning: unused|✖/i.test(line)) {
              process.stderr.write(`\n${line}\n`);
            }
          },
        });
        if (lastStep !== '' && process.stderr.isTTY) process.stderr.write('\n');
        const seconds = ((performance.now() - started) / 1000).toFixed(0);
        const status = await engineBuildStatus();
        const what = result === 'built' ? `built in ${seconds} s` : result === 'restored' ? 'restored from the cache' : 'already installed';
        process.stdout.write(`engine build ${status.key}: ${what}\n  installed in ${status.installDir}\n  cached in ${status.cacheDir}\n`);
      } catch (error) {
        if (lastStep !== '' && process.stderr.isTTY) process.stderr.write('\n');
        if (error instanceof EngineBuildError) throw new CliError(`spark engine build: ${error.message} [${error.code}]`);
        throw error;
      }
      return;
    }
    case 'status': {
      const status = await engineBuildStatus();
      const binaries = status.installed ? 'local build (OpenMP thread pool, compiled for this CPU)'
        : status.cached ? 'prebuilt until the next start restores the cached local build'
        : 'prebuilt (no thread pool: run `spark engine build` for faster multi-threaded decoding)';
      process.stdout.write(`binaries: ${binaries}\nkey: ${status.key}\ninstalled: ${status.installed ? 'yes' : 'no'} (${status.installDir})\ncached: ${status.cached ? 'yes' : 'no'} (${status.cacheDir})\n`);
      return;
    }
    default:
      throw new CliError(ENGINE_USAGE);
  }
}
