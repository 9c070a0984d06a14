import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { arch, cpus, platform } from 'node:os';

/**
 * What a local build is valid for: node-llama-cpp's version, the llama.cpp release, the platform,
 * and this CPU. The build compiles ggml for the machine it runs on (`-march=native`), so a build
 * made on an AVX-512 Xeon would crash on an AVX2-only EPYC: the CPU model and its feature flags
 * are part of the key.
 */
export async function engineBuildKey(versions: { version: string; release: string }): Promise<string> {
  const cpu = `${cpus()[0]?.model ?? 'unknown'}\n${await cpuFlags()}`;
  const digest = createHash('sha256').update(cpu).digest('hex').slice(0, 12);
  return `nlc-${versions.version}-${versions.release}-${platform()}-${arch()}-cpu-${digest}`;
}

/** The CPU feature flags line of /proc/cpuinfo (Linux); empty elsewhere, where the model name has to do. */
async function cpuFlags(): Promise<string> {
  if (platform() !== 'linux') return '';
  try {
    const info = await readFile('/proc/cpuinfo', 'utf8');
    return /^(?:flags|Features)\s*:\s*(.*)$/m.exec(info)?.[1]?.trim() ?? '';
  } catch {
    return '';
  }
}
