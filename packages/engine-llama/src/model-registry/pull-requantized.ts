import { stat } from 'node:fs/promises';
import { ggmlTypeTraits } from './ggml-type.js';
import { hashFile } from './hash-file.js';
import type { LocalModel } from './local-model.js';
import { ModelRegistryError } from './model-registry-error.js';
import type { PullProgress } from './pull-options.js';
import { REQUANTIZE_TARGETS, requantizeGguf, type RequantizeTarget } from './requantize-gguf.js';
import { stageModelFile } from './stage-model-file.js';
import { throttleProgress } from './throttle-progress.js';

/** What to make and where to put it. */
export interface PullRequantizedRequest {
  alias: string;
  /** The model it is made from (already pulled and verified). */
  sourceAlias: string;
  sourcePath: string;
  to: RequantizeTarget;
  aliasDir: string;
  fileName: string;
  /** Pinned checksum of the output: the conversion is deterministic. */
  sha256?: string;
  sizeBytes?: number;
}

/** How to make it. */
export interface PullRequantizedOptions {
  signal?: AbortSignal;
  onProgress?: (progress: PullProgress) => void;
}

/**
 * The requantize route: converts the source model into a temporary folder inside the alias
 * folder, checks size and sha256 against the pins, then renames it into place with a
 * `.verified` stamp. Nothing but the finished file is left behind.
 */
export async function pullRequantized(request: PullRequantizedRequest, options: PullRequantizedOptions = {}): Promise<LocalModel> {
  const { alias, sourceAlias, sourcePath, to, aliasDir, fileName } = request;
  const { signal, onProgress } = options;
  return stageModelFile({ alias, aliasDir, fileName, workPrefix: '.requantize-' }, async (outPath) => {
    const label = to.toUpperCase();
    onProgress?.({ phase: 'requantize', alias, message: `Requantizing ${sourceAlias} to ${label} (${sourcePath})` });
    const report = throttleProgress((receivedBytes, totalBytes) =>
      onProgress?.({ phase: 'requantize', alias, receivedBytes, ...(totalBytes === undefined ? {} : { totalBytes }) }),
    );
    const { converted, kept } = await requantizeGguf(sourcePath, outPath, {
      to,
      onProgress: report,
      ...(signal === undefined ? {} : { signal }),
    });
    if (converted === 0) {
      const from = ggmlTypeTraits(REQUANTIZE_TARGETS[to].from)?.name ?? 'matching';
      throw new ModelRegistryError('model_unsupported', `${sourceAlias} has no ${from} tensors to convert to ${label}, so ${alias} would be the same model; use ${sourceAlias} itself.`);
    }
    const sha256 = await hashFile(outPath, signal === undefined ? {} : { signal });
    const { size } = await stat(outPath);
    if (request.sha256 !== undefined && sha256 !== request.sha256) {
      throw new ModelRegistryError(
        'checksum_mismatch',
        `The ${label} model made from ${sourceAlias} for ${alias} does not match its pinned sha256 (expected ${request.sha256}, got ${sha256}); it was deleted. This build's requantizer differs from the catalog's: report it.`,
      );
    }
    if (request.sizeBytes !== undefined && size !== request.sizeBytes) {
      throw new ModelRegistryError(
        'checksum_mismatch',
        `The ${label} model made from ${sourceAlias} for ${alias} has ${size} bytes, expected ${request.sizeBytes}; it was deleted.`,
      );
    }
    onProgress?.({
      phase: 'verify',
      alias,
      message: `Requantized ${converted} tensors to ${label}, copied ${kept}; checksum verified (sha256 ${sha256})`,
    });
    return { sha256 };
  });
}
