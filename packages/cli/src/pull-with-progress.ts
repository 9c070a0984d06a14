import { resolveModel, type LocalModel, type PullProgress } from '@spark/engine-llama';
import { createProgressBar } from './progress-bar.js';

/** Resolves a model alias or path, pulling it with a progress bar on stderr when missing. */
export async function pullWithProgress(spec: string, options: { signal?: AbortSignal; offline?: boolean } = {}): Promise<LocalModel> {
  const bar = createProgressBar(`pulling ${spec}`);
  const onProgress = (progress: PullProgress): void => {
    if (progress.phase === 'download' && progress.receivedBytes !== undefined) {
      bar.update(progress.receivedBytes, progress.totalBytes);
    } else if (progress.message) {
      bar.message(progress.message);
    }
  };
  try {
    return await resolveModel(spec, {
      pull: true,
      onProgress,
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.offline === undefined ? {} : { offline: options.offline }),
    });
  } finally {
    bar.done();
  }
}
