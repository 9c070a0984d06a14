import { execFile } from 'node:child_process';
import { findExecutable } from '../tools/find-executable.js';
import { bubblewrapArgs } from './bubblewrap-args.js';

/** How long the one trial run of bwrap may take before it counts as unusable. */
export const BUBBLEWRAP_PROBE_TIMEOUT_MS = 5_000;

/** Whether bubblewrap can confine commands on this machine, and if not, why. */
export type BubblewrapProbe =
  | { ok: true; bwrap: string }
  | { ok: false; reason: 'unsupported' | 'not_found' | 'unusable'; detail: string };

const probes = new Map<string, Promise<BubblewrapProbe>>();

/**
 * Finds `bwrap` on `path` and runs a trivial command under the same confinement the shell tool
 * uses: bwrap can be installed and still fail (no unprivileged user namespaces, a container
 * without the needed capabilities). The answer is cached per PATH for the life of the process.
 */
export function probeBubblewrap(path: string = process.env['PATH'] ?? ''): Promise<BubblewrapProbe> {
  let probe = probes.get(path);
  if (probe === undefined) {
    probe = runProbe(path);
    probes.set(path, probe);
  }
  return probe;
}

async function runProbe(path: string): Promise<BubblewrapProbe> {
  if (process.platform !== 'linux') return { ok: false, reason: 'unsupported', detail: `bubblewrap runs on Linux only, not ${process.platform}` };
  const bwrap = findExecutable('bwrap', path);
  if (bwrap === undefined) return { ok: false, reason: 'not_found', detail: 'bwrap is not on PATH (Debian and Ubuntu: apt install bubblewrap)' };
  const args = bubblewrapArgs({ bwrap, writable: [], network: false }, '/', ['/bin/sh', '-c', 'exit 0']);
  return new Promise((resolve) => {
    execFile(bwrap, args, { timeout: BUBBLEWRAP_PROBE_TIMEOUT_MS, killSignal: 'SIGKILL' }, (error, _stdout, stderr) => {
      if (error === null) {
        resolve({ ok: true, bwrap });
        return;
      }
      const said = stderr.trim().split('\n')[0]?.trim() ?? '';
      resolve({ ok: false, reason: 'unusable', detail: said !== '' ? said : error.message });
    });
  });
}
