// The GGUF container (versions 2 and 3, little-endian): header, metadata and tensor infos are
// parsed into memory; tensor data is only ever located, and written by streaming it.
import { open, stat, type FileHandle } from 'node:fs/promises';
import { ggmlTensorBytes, ggmlTypeTraits } from './ggml-type.js';
import { ModelRegistryError } from './model-registry-error.js';
import { GGUF_MAGIC } from './verify-gguf-file.js';

/** Alignment of tensor data when `general.alignment` is absent (GGUF_DEFAULT_ALIGNMENT). */
export const GGUF_DEFAULT_ALIGNMENT = 32;
/** Largest header (metadata plus tensor infos) read; big vocabularies take a few MB. */
export const MAX_GGUF_HEADER_BYTES = 256 * 1024 * 1024;
/** First read of a header; doubled until the header fits. */
const FIRST_HEADER_READ_BYTES = 1024 * 1024;
/** GGML_MAX_DIMS. */
const MAX_TENSOR_DIMS = 4;

/** Metadata value types, indexed by their number in the file. */
const VALUE_TYPES = [
  'uint8', 'int8', 'uint16', 'int16', 'uint32', 'int32', 'float32', 'bool', 'string', 'array', 'uint64', 'int64', 'float64',
] as const;

/** A metadata value type. */
export type GgufValueType = (typeof VALUE_TYPES)[number];

/** A typed metadata value; arrays keep their item type so that they encode back identically. */
export type GgufValue =
  | { type: 'uint8' | 'int8' | 'uint16' | 'int16' | 'uint32' | 'int32' | 'float32' | 'float64'; value: number }
  | { type: 'uint64' | 'int64'; value: bigint }
  | { type: 'bool'; value: boolean }
  | { type: 'string'; value: string }
  | { type: 'array'; itemType: GgufValueType; items: readonly GgufValue[] };

/** One metadata key/value pair. */
export interface GgufMetadataEntry {
  readonly key: string;
  readonly value: GgufValue;
  /** The pair as stored (key, type, value): written back verbatim, so strings never go through a decode. */
  readonly raw: Uint8Array;
}

/** What a tensor is: the writer's input. */
export interface GgufTensorSpec {
  readonly name: string;
  /** ggml `ne`: dims[0] is the row length. */
  readonly dims: readonly number[];
  /** ggml type number (see GGML_TYPE). */
  readonly type: number;
}

/** A tensor info as found in (or written to) a file. */
export interface GgufTensorInfo extends GgufTensorSpec {
  /** Offset of the data from the start of the data section; a multiple of the alignment. */
  readonly offset: number;
  readonly byteLength: number;
}

/** A parsed GGUF header. */
export interface GgufFile {
  readonly version: number;
  readonly metadata: readonly GgufMetadataEntry[];
  /** The whole metadata section as stored (the concatenation of every entry's `raw`). */
  readonly metadataBytes: Uint8Array;
  readonly tensors: readonly GgufTensorInfo[];
  readonly alignment: number;
  /** File offset of the tensor data section. */
  readonly dataOffset: number;
  readonly sizeBytes: number;
}

/** Options of {@link readGgufFile}. */
export interface ReadGgufFileOptions {
  /** Largest header accepted; defaults to MAX_GGUF_HEADER_BYTES. */
  maxHeaderBytes?: number;
}

/**
 * Reads a GGUF file's header (never its tensor data): metadata with its raw bytes, tensor infos
 * with their sizes, alignment and where the data starts. A malformed file, or one whose tensors
 * do not fit in it, is a `model_corrupt` error; version 1, big-endian files and tensor types
 * this build does not know are `model_unsupported`.
 */
export async function readGgufFile(path: string, options: ReadGgufFileOptions = {}): Promise<GgufFile> {
  const maxHeaderBytes = options.maxHeaderBytes ?? MAX_GGUF_HEADER_BYTES;
  const sizeBytes = (await stat(path)).size;
  const handle = await open(path, 'r');
  try {
    for (let readBytes = Math.min(FIRST_HEADER_READ_BYTES, maxHeaderBytes); ; readBytes *= 2) {
      const length = Math.min(readBytes, maxHeaderBytes, sizeBytes);
      const bytes = await readAt(handle, 0, length);
      const complete = length === sizeBytes;
      try {
        return parseGgufHeader(bytes, sizeBytes, complete, path);
      } catch (error) {
        if (error !== NEED_MORE) throw error;
        if (length === maxHeaderBytes) {
          throw new ModelRegistryError('model_unsupported', `${path}: GGUF header larger than ${maxHeaderBytes} bytes.`);
        }
      }
    }
  } finally {
    await handle.close();
  }
}

/** The value of a metadata key, if present. */
export function findGgufMetadata(metadata: readonly GgufMetadataEntry[], key: string): GgufValue | undefined {
  return metadata.find((entry) => entry.key === key)?.value;
}

/** A metadata entry encoded from its value. */
export function encodeGgufMetadataEntry(key: string, value: GgufValue): GgufMetadataEntry {
  const out = new ByteWriter();
  out.string(key);
  out.u32(VALUE_TYPES.indexOf(value.type));
  writeValue(out, value);
  return { key, value, raw: out.bytes() };
}

/** `metadata` with `key` set to `value`: replaced where it stood, else appended; other entries untouched. */
export function withGgufMetadata(metadata: readonly GgufMetadataEntry[], key: string, value: GgufValue): GgufMetadataEntry[] {
  const entry = encodeGgufMetadataEntry(key, value);
  const index = metadata.findIndex((e) => e.key === key);
  return index < 0 ? [...metadata, entry] : metadata.map((e, i) => (i === index ? entry : e));
}

/** `general.alignment` of some metadata, or the default; must be a power of two. */
export function ggufAlignment(metadata: readonly GgufMetadataEntry[]): number | undefined {
  const value = findGgufMetadata(metadata, 'general.alignment');
  if (value === undefined) return GGUF_DEFAULT_ALIGNMENT;
  if (value.type !== 'uint32' || value.value === 0 || (value.value & (value.value - 1)) !== 0) return undefined;
  return value.value;
}

/** Tensor data as a stream of chunks; each chunk is written before the next is asked for. */
export type GgufTensorData = (tensor: GgufTensorInfo, index: number) => AsyncIterable<Uint8Array>;

/** What {@link writeGgufFile} writes. */
export interface GgufFileSpec {
  /** 2 or 3. */
  version: number;
  metadata: readonly GgufMetadataEntry[];
  tensors: readonly GgufTensorSpec[];
}

/** Options of {@link writeGgufFile}. */
export interface WriteGgufFileOptions {
  signal?: AbortSignal;
}

/**
 * Writes a GGUF file at `path` (truncating it): the header with each metadata entry's raw bytes,
 * tensor infos laid out in order at aligned offsets (as gguf.cpp writes them), then each tensor's
 * data from `data`, zero-padded to the alignment, and fsyncs it. Returns the tensor infos written.
 * A tensor whose data is not exactly its size is an error.
 */
export async function writeGgufFile(
  path: string,
  spec: GgufFileSpec,
  data: GgufTensorData,
  options: WriteGgufFileOptions = {},
): Promise<GgufTensorInfo[]> {
  const alignment = ggufAlignment(spec.metadata);
  if (alignment === undefined) throw new Error('general.alignment must be a uint32 power of two');
  if (spec.version !== 2 && spec.version !== 3) throw new Error(`cannot write GGUF version ${spec.version}`);
  let next = 0;
  const tensors = spec.tensors.map((tensor): GgufTensorInfo => {
    const byteLength = ggmlTensorBytes(tensor.type, tensor.dims);
    if (byteLength === undefined) throw new Error(`tensor ${tensor.name}: type ${tensor.type} cannot hold dims ${tensor.dims.join('x')}`);
    const info = { name: tensor.name, dims: tensor.dims, type: tensor.type, offset: next, byteLength };
    next = alignUp(next + byteLength, alignment);
    return info;
  });
  const header = encodeHeader(spec, tensors, alignment);
  const handle = await open(path, 'w');
  try {
    let position = 0;
    const write = async (bytes: Uint8Array): Promise<void> => {
      for (let done = 0; done < bytes.length; ) {
        const { bytesWritten } = await handle.write(bytes, done, bytes.length - done, position);
        done += bytesWritten;
        position += bytesWritten;
      }
    };
    await write(header);
    const dataStart = position;
    for (const [index, tensor] of tensors.entries()) {
      let written = 0;
      for await (const chunk of data(tensor, index)) {
        options.signal?.throwIfAborted();
        written += chunk.length;
        if (written > tensor.byteLength) break;
        await write(chunk);
      }
      if (written !== tensor.byteLength) {
        throw new Error(`tensor ${tensor.name}: got ${written} bytes of data, expected ${tensor.byteLength}`);
      }
      await write(new Uint8Array(alignUp(position - dataStart, alignment) - (position - dataStart)));
    }
    await handle.sync();
  } finally {
    await handle.close();
  }
  return tensors;
}

/** Reads exactly `length` bytes at `position`; fewer is a truncated file. */
export async function readAt(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const bytes = Buffer.allocUnsafe(length);
  for (let done = 0; done < length; ) {
    const { bytesRead } = await handle.read(bytes, done, length - done, position + done);
    if (bytesRead === 0) throw new ModelRegistryError('model_corrupt', `Unexpected end of file at byte ${position + done}.`);
    done += bytesRead;
  }
  return bytes;
}

function alignUp(value: number, alignment: number): number {
  return Math.ceil(value / alignment) * alignment;
}

function corrupt(path: string, reason: string): ModelRegistryError {
  return new ModelRegistryError('model_corrupt', `${path} is not a valid GGUF file (${reason}).`);
}

/** Thrown by the parser when the bytes read so far end inside the header. */
const NEED_MORE = new Error('need more header bytes');

function parseGgufHeader(bytes: Buffer, fileSize: number, final: boolean, path: string): GgufFile {
  const input = new ByteReader(bytes, final, path);
  if (input.take(4).toString('latin1') !== GGUF_MAGIC) throw corrupt(path, 'bad magic bytes');
  const version = input.u32();
  if (version !== 2 && version !== 3) {
    const why = version === 1 ? 'GGUF version 1 is not supported' : `GGUF version ${version} (or a big-endian file) is not supported`;
    throw new ModelRegistryError('model_unsupported', `${path}: ${why}.`);
  }
  const tensorCount = input.count(fileSize);
  const metadataCount = input.count(fileSize);
  const metadataStart = input.offset;
  const parsed: { key: string; value: GgufValue; start: number; end: number }[] = [];
  for (let i = 0; i < metadataCount; i += 1) {
    const start = input.offset;
    const key = input.string();
    const value = input.value(input.u32());
    parsed.push({ key, value, start: start - metadataStart, end: input.offset - metadataStart });
  }
  // A copy, so the (possibly much larger) read buffer is not kept alive by the entries.
  const metadataBytes = new Uint8Array(bytes.subarray(metadataStart, input.offset));
  const metadata = parsed.map(({ key, value, start, end }) => ({ key, value, raw: metadataBytes.subarray(start, end) }));
  const alignment = ggufAlignment(metadata);
  if (alignment === undefined) throw corrupt(path, 'general.alignment is not a uint32 power of two');

  const tensors: GgufTensorInfo[] = [];
  for (let i = 0; i < tensorCount; i += 1) {
    const name = input.string();
    const dimCount = input.u32();
    if (dimCount < 1 || dimCount > MAX_TENSOR_DIMS) throw corrupt(path, `tensor ${name} has ${dimCount} dimensions`);
    const dims: number[] = [];
    for (let d = 0; d < dimCount; d += 1) dims.push(input.count(Number.MAX_SAFE_INTEGER));
    const type = input.u32();
    const offset = input.count(fileSize);
    if (ggmlTypeTraits(type) === undefined) {
      throw new ModelRegistryError('model_unsupported', `${path}: tensor ${name} has ggml type ${type}, which this build does not know.`);
    }
    const byteLength = ggmlTensorBytes(type, dims);
    if (byteLength === undefined) throw corrupt(path, `tensor ${name}: row of ${dims[0]} is not whole blocks`);
    if (offset % alignment !== 0) throw corrupt(path, `tensor ${name} is not aligned`);
    tensors.push({ name, dims, type, offset, byteLength });
  }
  const dataOffset = alignUp(input.offset, alignment);
  let end = 0;
  for (const tensor of [...tensors].sort((a, b) => a.offset - b.offset)) {
    if (tensor.offset < end) throw corrupt(path, `tensor ${tensor.name} overlaps another`);
    end = tensor.offset + tensor.byteLength;
    if (dataOffset + end > fileSize) throw corrupt(path, `tensor ${tensor.name} ends past the end of the file`);
  }
  return { version, metadata, metadataBytes, tensors, alignment, dataOffset, sizeBytes: fileSize };
}

/** A cursor over header bytes; running off the end asks for more, unless these are all there are. */
class ByteReader {
  offset = 0;
  constructor(
    private readonly bytes: Buffer,
    private readonly final: boolean,
    private readonly path: string,
  ) {}

  take(length: number): Buffer {
    if (this.offset + length > this.bytes.length) {
      if (this.final) throw corrupt(this.path, 'truncated header');
      throw NEED_MORE;
    }
    const slice = this.bytes.subarray(this.offset, this.offset + length);
    this.offset += length;
    return slice;
  }

  u32(): number {
    return this.take(4).readUInt32LE(0);
  }

  /** A uint64 count or offset that must be at most `limit`. */
  count(limit: number): number {
    const value = this.take(8).readBigUInt64LE(0);
    if (value > BigInt(limit)) throw corrupt(this.path, `value ${value} is out of range`);
    return Number(value);
  }

  string(): string {
    const length = this.count(MAX_GGUF_HEADER_BYTES);
    return this.take(length).toString('utf8');
  }

  value(typeCode: number): GgufValue {
    const type = VALUE_TYPES[typeCode];
    switch (type) {
      case 'uint8': return { type, value: this.take(1).readUInt8(0) };
      case 'int8': return { type, value: this.take(1).readInt8(0) };
      case 'uint16': return { type, value: this.take(2).readUInt16LE(0) };
      case 'int16': return { type, value: this.take(2).readInt16LE(0) };
      case 'uint32': return { type, value: this.take(4).readUInt32LE(0) };
      case 'int32': return { type, value: this.take(4).readInt32LE(0) };
      case 'float32': return { type, value: this.take(4).readFloatLE(0) };
      case 'float64': return { type, value: this.take(8).readDoubleLE(0) };
      case 'uint64': return { type, value: this.take(8).readBigUInt64LE(0) };
      case 'int64': return { type, value: this.take(8).readBigInt64LE(0) };
      case 'bool': return { type, value: this.take(1).readUInt8(0) !== 0 };
      case 'string': return { type, value: this.string() };
      case 'array': {
        const itemCode = this.u32();
        const itemType = VALUE_TYPES[itemCode];
        if (itemType === undefined) throw corrupt(this.path, `unknown metadata array type ${itemCode}`);
        // Every item takes at least one byte, so a count past the header limit is corrupt, not a huge allocation.
        const count = this.count(MAX_GGUF_HEADER_BYTES);
        const items: GgufValue[] = [];
        for (let i = 0; i < count; i += 1) items.push(this.value(itemCode));
        return { type, itemType, items };
      }
      case undefined:
        throw corrupt(this.path, `unknown metadata value type ${typeCode}`);
      default: {
        const unreachable: never = type;
        return unreachable;
      }
    }
  }
}

/** Little-endian bytes appended to a list of chunks. */
class ByteWriter {
  private readonly chunks: Buffer[] = [];
  private length = 0;

  push(chunk: Uint8Array): void {
    const buffer = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    this.chunks.push(buffer);
    this.length += buffer.length;
  }

  fixed(size: number, write: (buffer: Buffer) => void): void {
    const buffer = Buffer.alloc(size);
    write(buffer);
    this.push(buffer);
  }

  u32(value: number): void {
    this.fixed(4, (b) => b.writeUInt32LE(value));
  }

  u64(value: number | bigint): void {
    this.fixed(8, (b) => b.writeBigUInt64LE(BigInt(value)));
  }

  string(value: string): void {
    const bytes = Buffer.from(value, 'utf8');
    this.u64(bytes.length);
    this.push(bytes);
  }

  bytes(): Buffer {
    return Buffer.concat(this.chunks, this.length);
  }
}

function writeValue(out: ByteWriter, value: GgufValue): void {
  switch (value.type) {
    case 'uint8': return out.fixed(1, (b) => b.writeUInt8(value.value));
    case 'int8': return out.fixed(1, (b) => b.writeInt8(value.value));
    case 'uint16': return out.fixed(2, (b) => b.writeUInt16LE(value.value));
    case 'int16': return out.fixed(2, (b) => b.writeInt16LE(value.value));
    case 'uint32': return out.u32(value.value);
    case 'int32': return out.fixed(4, (b) => b.writeInt32LE(value.value));
    case 'float32': return out.fixed(4, (b) => b.writeFloatLE(value.value));
    case 'float64': return out.fixed(8, (b) => b.writeDoubleLE(value.value));
    case 'uint64': return out.u64(value.value);
    case 'int64': return out.fixed(8, (b) => b.writeBigInt64LE(value.value));
    case 'bool': return out.fixed(1, (b) => b.writeUInt8(value.value ? 1 : 0));
    case 'string': return out.string(value.value);
    case 'array': {
      out.u32(VALUE_TYPES.indexOf(value.itemType));
      out.u64(value.items.length);
      for (const item of value.items) {
        if (item.type !== value.itemType) throw new Error(`array of ${value.itemType} holds a ${item.type}`);
        writeValue(out, item);
      }
      return;
    }
    default: {
      const unreachable: never = value;
      return unreachable;
    }
  }
}

function encodeHeader(spec: GgufFileSpec, tensors: readonly GgufTensorInfo[], alignment: number): Buffer {
  const out = new ByteWriter();
  out.push(Buffer.from(GGUF_MAGIC, 'latin1'));
  out.u32(spec.version);
  out.u64(tensors.length);
  out.u64(spec.metadata.length);
  for (const entry of spec.metadata) out.push(entry.raw);
  for (const tensor of tensors) {
    out.string(tensor.name);
    out.u32(tensor.dims.length);
    for (const dim of tensor.dims) out.u64(dim);
    out.u32(tensor.type);
    out.u64(tensor.offset);
  }
  const header = out.bytes();
  const padded = Buffer.alloc(alignUp(header.length, alignment));
  header.copy(padded);
  return padded;
}
