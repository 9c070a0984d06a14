import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { GGML_TYPE } from './ggml-type.js';
import { readAt, readGgufFile, withGgufMetadata, writeGgufFile, type GgufFile, type GgufMetadataEntry, type GgufTensorSpec } from './gguf-file.js';
import { Q4_K_BLOCK_BYTES, transcodeQ4_KToQ5_K } from './k-quant-blocks.js';
import { Q4_1_BLOCK_BYTES, requantizeQ4_1ToQ4_0 } from './q4-blocks.js';

/** llama.cpp's LLAMA_FTYPE_MOSTLY_Q4_0, written to `general.file_type`. */
export const GGUF_FILE_TYPE_MOSTLY_Q4_0 = 2;
/** Bytes of source blocks converted per read (about 1.25 MiB). */
export const REQUANTIZE_CHUNK_BYTES = 1280 * 1024;
/** Bytes per read when a tensor is copied unchanged. */
export const COPY_CHUNK_BYTES = 4 * 1024 * 1024;

/** What a conversion does to the tensors of one type. */
interface Conversion {
  readonly from: number;
  readonly to: number;
  readonly blockBytes: number;
  readonly convert: (blocks: Uint8Array) => Uint8Array;
  /** `general.file_type` of the result; undefined keeps the source's. */
  readonly fileType?: number;
}

/**
 * The conversions {@link requantizeGguf} makes:
 * - `q4_0`: Q4_1 tensors requantized to Q4_0 (lossy: one Q4_0 step at most), for the cheaper
 *   batched kernels x86 llama.cpp has for Q4_0.
 * - `q5_k`: Q4_K tensors stored as Q5_K with the same weights (lossless), so that x86 llama.cpp
 *   does not repack them and a batch evaluates like one-token steps (speculation verifies long
 *   drafts). The file keeps its `general.file_type`: its weights are still the source's.
 */
export const REQUANTIZE_TARGETS = {
  q4_0: { from: GGML_TYPE.Q4_1, to: GGML_TYPE.Q4_0, blockBytes: Q4_1_BLOCK_BYTES, convert: requantizeQ4_1ToQ4_0, fileType: GGUF_FILE_TYPE_MOSTLY_Q4_0 },
  q5_k: { from: GGML_TYPE.Q4_K, to: GGML_TYPE.Q5_K, blockBytes: Q4_K_BLOCK_BYTES, convert: transcodeQ4_KToQ5_K },
} as const satisfies Record<string, Conversion>;

/** A conversion {@link requantizeGguf} can make. */
export type RequantizeTarget = keyof typeof REQUANTIZE_TARGETS;

/** Options of {@link requantizeGguf}. */
export interface RequantizeGgufOptions {
  /** The conversion (see {@link REQUANTIZE_TARGETS}). */
  to: RequantizeTarget;
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
 * Writes `target`, a copy of the GGUF `source` with the tensors of one type converted (see
 * {@link REQUANTIZE_TARGETS}; every other tensor copied byte for byte, metadata copied verbatim
 * but for the `general.file_type` a conversion sets), one tensor at a time, so memory stays small whatever the model's
 * size. It is written to `target + '.part'` and renamed into place; an abort or a failure removes
 * the partial file and rethrows (an abort throws the signal's reason).
 */
export async function requantizeGguf(source: string, target: string, options: RequantizeGgufOptions): Promise<RequantizeGgufResult> {
  const { signal } = options;
  signal?.throwIfAborted();
  const conversion: Conversion = REQUANTIZE_TARGETS[options.to];
  const file = await readGgufFile(source);
  const tensors: GgufTensorSpec[] = file.tensors.map(({ name, dims, type }) => ({
    name,
    dims,
    type: type === conversion.from ? conversion.to : type,
  }));
  const converted = file.tensors.filter((tensor) => tensor.type === conversion.from).length;
  const metadata: GgufMetadataEntry[] =
    conversion.fileType === undefined ? [...file.metadata] : withGgufMetadata(file.metadata, 'general.file_type', { type: 'uint32', value: conversion.fileType });
  const total = file.tensors.reduce((sum, tensor) => sum + tensor.byteLength, 0);
  let done = 0;
  const progress = (bytes: number): void => {
    done += bytes;
    options.onProgress?.(done, total);
  };

  const part = `${target}.part`;
  const input = await open(source, 'r');
  try {
    await writeGgufFile(part, { version: file.version, metadata, tensors }, (_tensor, index) => tensorData(input, file, index, conversion, progress, signal), {
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

/** The output bytes of tensor `index`, read from the source in chunks and converted if of the conversion's type. */
async function* tensorData(
  input: FileHandle,
  file: GgufFile,
  index: number,
  conversion: Conversion,
  progress: (bytes: number) => void,
  signal: AbortSignal | undefined,
): AsyncGenerator<Uint8Array> {
  const tensor = file.tensors[index];
  if (tensor === undefined) return;
  const convert = tensor.type === conversion.from;
  // A converted chunk holds whole blocks.
  const chunkBytes = convert ? REQUANTIZE_CHUNK_BYTES - (REQUANTIZE_CHUNK_BYTES % conversion.blockBytes) : COPY_CHUNK_BYTES;
  const start = file.dataOffset + tensor.offset;
  for (let at = 0; at < tensor.byteLength; at += chunkBytes) {
    signal?.throwIfAborted();
    const bytes = await readAt(input, start + at, Math.min(chunkBytes, tensor.byteLength - at));
    yield convert ? conversion.convert(bytes) : bytes;
    progress(bytes.length);
  }
}
