import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { GGML_TYPE } from './ggml-type.js';
import { readAt, readGgufFile, withGgufMetadata, writeGgufFile, type GgufFile, type GgufTensorSpec } from './gguf-file.js';
import { Q4_1_BLOCK_BYTES, requantizeQ4_1ToQ4_0 } from './q4-blocks.js';

/** llama.cpp's LLAMA_FTYPE_MOSTLY_Q4_0, written to `general.file_type`. */
export const GGUF_FILE_TYPE_MOSTLY_Q4_0 = 2;
/** Q4_1 blocks converted per read (1.25 MiB in, 1.1 MiB out). */
export const REQUANTIZE_CHUNK_BLOCKS = 64 * 1024;
/** Bytes per read when a tensor is copied unchanged. */
export const COPY_CHUNK_BYTES = 4 * 1024 * 1024;

/** Options of {@link requantizeGguf}. */
export interface RequantizeGgufOptions {
  /** The target quantization: Q4_1 tensors become this type. */
  to: 'q4_0';
  signal?: AbortSignal;
  /** Bytes of the source's tensor data processed so far, of the total. */
  onProgress?(done: number, total: number): void;
}

/** What {@link requantizeGguf} did: tensors converted and tensors copied unchanged. */
export interface RequantizeGgufResult {
  converted: number;
  kept: number;
}

/**
 * Writes `target`, a copy of the GGUF `source` whose Q4_1 tensors are requantized to Q4_0 with
 * ggml's reference quantizer (every other tensor copied byte for byte, metadata copied verbatim
 * but for `general.file_type`), one tensor at a time, so memory stays small whatever the model's
 * size. It is written to `target + '.part'` and renamed into place; an abort or a failure removes
 * the partial file and rethrows (an abort throws the signal's reason).
 */
export async function requantizeGguf(source: string, target: string, options: RequantizeGgufOptions): Promise<RequantizeGgufResult> {
  const { signal } = options;
  signal?.throwIfAborted();
  const file = await readGgufFile(source);
  const tensors: GgufTensorSpec[] = file.tensors.map(({ name, dims, type }) => ({
    name,
    dims,
    type: type === GGML_TYPE.Q4_1 ? GGML_TYPE.Q4_0 : type,
  }));
  const converted = file.tensors.filter((tensor) => tensor.type === GGML_TYPE.Q4_1).length;
  const metadata = withGgufMetadata(file.metadata, 'general.file_type', { type: 'uint32', value: GGUF_FILE_TYPE_MOSTLY_Q4_0 });
  const total = file.tensors.reduce((sum, tensor) => sum + tensor.byteLength, 0);
  let done = 0;
  const progress = (bytes: number): void => {
    done += bytes;
    options.onProgress?.(done, total);
  };

  const part = `${target}.part`;
  const input = await open(source, 'r');
  try {
    await writeGgufFile(part, { version: file.version, metadata, tensors }, (_tensor, index) => tensorData(input, file, index, progress, signal), {
      ...(signal === undefined ? {} : { signal }),
    });
    signal?.throwIfAborted();
    await rename(part, target);
  } catch (error) {
    await rm(part, { force: true });
    if (signal?.aborted === true) throw signal.reason;
    throw error;
  } finally {
    await input.close();
  }
  return { converted, kept: file.tensors.length - converted };
}

/** The output bytes of tensor `index`, read from the source in chunks and converted if Q4_1. */
async function* tensorData(
  input: FileHandle,
  file: GgufFile,
  index: number,
  progress: (bytes: number) => void,
  signal: AbortSignal | undefined,
): AsyncGenerator<Uint8Array> {
  const tensor = file.tensors[index];
  if (tensor === undefined) return;
  const convert = tensor.type === GGML_TYPE.Q4_1;
  const chunkBytes = convert ? REQUANTIZE_CHUNK_BLOCKS * Q4_1_BLOCK_BYTES : COPY_CHUNK_BYTES;
  const start = file.dataOffset + tensor.offset;
  for (let at = 0; at < tensor.byteLength; at += chunkBytes) {
    signal?.throwIfAborted();
    const bytes = await readAt(input, start + at, Math.min(chunkBytes, tensor.byteLength - at));
    yield convert ? requantizeQ4_1ToQ4_0(bytes) : bytes;
    progress(bytes.length);
  }
}
