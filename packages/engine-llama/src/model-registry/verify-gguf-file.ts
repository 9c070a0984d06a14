import { open, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { corruptModelError } from './corrupt-model-error.js';
import { ModelRegistryError } from './model-registry-error.js';

/** The four bytes every GGUF file starts with. */
export const GGUF_MAGIC = 'GGUF';
/** Magic, version, tensor count and metadata count: anything shorter is truncated. */
export const GGUF_MIN_BYTES = 24;

/** Options for {@link verifyGgufFile}. */
export interface VerifyGgufFileOptions {
  /** The alias the file is cached under, so the error names `spark models` commands. */
  alias?: string;
}

/** What {@link verifyGgufFile} saw. */
export interface GgufFileInfo {
  sizeBytes: number;
  mtimeMs: number;
}

/** Checks that `path` is a readable file starting with the GGUF magic; throws one clear ModelRegistryError. */
export async function verifyGgufFile(path: string, options: VerifyGgufFileOptions = {}): Promise<GgufFileInfo> {
  const { alias } = options;
  let stats: Stats;
  try {
    stats = await stat(path);
  } catch (error) {
    throw notReadableError(path, error, alias);
  }
  if (!stats.isFile()) {
    throw new ModelRegistryError(
      'model_not_found',
      `${path} is not a file. Pass a path to a .gguf file or a model alias (see \`spark models list\`).`,
    );
  }
  if (stats.size === 0) throw corruptModelError(path, 'empty file', alias);
  if (stats.size < GGUF_MIN_BYTES) throw corruptModelError(path, `truncated: only ${stats.size} bytes`, alias);
  const magic = Buffer.alloc(GGUF_MAGIC.length);
  try {
    const handle = await open(path, 'r');
    try {
      await handle.read(magic, 0, magic.length, 0);
    } finally {
      await handle.close();
    }
  } catch (error) {
    throw notReadableError(path, error, alias);
  }
  if (magic.toString('latin1') !== GGUF_MAGIC) throw corruptModelError(path, 'not a GGUF file: bad magic bytes', alias);
  return { sizeBytes: stats.size, mtimeMs: stats.mtimeMs };
}

function notReadableError(path: string, error: unknown, alias: string | undefined): ModelRegistryError {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'ENOENT' || code === 'ENOTDIR') {
    const message =
      alias === undefined
        ? `File not found: ${path}. Pass a path to a .gguf file or a model alias (see \`spark models list\`).`
        : `Model ${alias} is not downloaded (no file at ${path}). Run \`spark models pull ${alias}\`.`;
    return new ModelRegistryError('model_not_found', message, { cause: error });
  }
  return new ModelRegistryError(
    'model_not_found',
    `Cannot read model file ${path} (${typeof code === 'string' ? code : 'unreadable'}). Check its permissions.`,
    { cause: error },
  );
}
