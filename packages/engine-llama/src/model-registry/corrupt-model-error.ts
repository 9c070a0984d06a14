import { ModelRegistryError } from './model-registry-error.js';

const LOCAL_REMEDY = 'Pass a path to a valid .gguf file or a model alias (see `spark models list`).';

/** The one error for a model file that exists but is unusable, naming the fix. */
export function corruptModelError(path: string, reason: string, alias?: string): ModelRegistryError {
  const remedy =
    alias === undefined ? LOCAL_REMEDY : `Run \`spark models rm ${alias} && spark models pull ${alias}\`.`;
  return new ModelRegistryError('model_corrupt', `Model file ${path} is corrupt (${reason}). ${remedy}`);
}
