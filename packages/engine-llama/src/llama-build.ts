import { arch, cpus } from 'node:os';
import type { Llama } from 'node-llama-cpp';

/**
 * What the numbers llama.cpp's kernels produce depend on, in one line: release, prebuilt or
 * local build, GPU backend, CPU model, and the CPU features of the ggml variant that loaded
 * (`AVX2 = 1 | ... | REPACK = 1`). Keys the batch limit cache, and is what a test that checks a
 * measured limit prints, so a failure on another machine says which kernels ran.
 */
export function describeLlamaBuild(llama: Llama): string {
  return [llama.llamaCppRelease.release, llama.buildType, String(llama.gpu), cpus()[0]?.model ?? arch, llama.systemInfo.trim()].join(' | ');
}
