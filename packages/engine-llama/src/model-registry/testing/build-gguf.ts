// Builds small GGUF files byte by byte, independently of gguf-file.ts, for tests.
import type { GgufValue, GgufValueType } from '../gguf-file.js';

const TYPE_CODES: Readonly<Record<GgufValueType, number>> = {
  uint8: 0, int8: 1, uint16: 2, int16: 3, uint32: 4, int32: 5, float32: 6, bool: 7, string: 8, array: 9, uint64: 10, int64: 11, float64: 12,
};

/** A tensor of a test GGUF: its data is written as given. */
export interface TestTensor {
  name: string;
  dims: readonly number[];
  type: number;
  data: Uint8Array;
}

/** What {@link buildGguf} writes. */
export interface TestGguf {
  version?: number;
  metadata: readonly (readonly [string, GgufValue])[];
  tensors: readonly TestTensor[];
  /** Data alignment used for the layout; put a matching `general.alignment` in `metadata` when not 32. */
  alignment?: number;
  /** Lay the data out in reverse tensor order (readers must not assume info order). */
  reverseData?: boolean;
}

/** The bytes of a GGUF file. */
export function buildGguf(spec: TestGguf): Buffer {
  const alignment = spec.alignment ?? 32;
  const parts: Buffer[] = [Buffer.from('GGUF', 'latin1'), u32(spec.version ?? 3), u64(spec.tensors.length), u64(spec.metadata.length)];
  for (const [key, value] of spec.metadata) parts.push(str(key), u32(TYPE_CODES[value.type]), encode(value));
  const order = spec.tensors.map((_, i) => i);
  if (spec.reverseData === true) order.reverse();
  const offsets = new Map<number, number>();
  let offset = 0;
  for (const i of order) {
    offsets.set(i, offset);
    offset = pad(offset + (spec.tensors[i]?.data.length ?? 0), alignment);
  }
  spec.tensors.forEach((tensor, i) => {
    parts.push(str(tensor.name), u32(tensor.dims.length), ...tensor.dims.map(u64), u32(tensor.type), u64(offsets.get(i) ?? 0));
  });
  const header = Buffer.concat(parts);
  const data = Buffer.alloc(offset);
  for (const i of order) Buffer.from(spec.tensors[i]?.data ?? []).copy(data, offsets.get(i) ?? 0);
  return Buffer.concat([header, Buffer.alloc(pad(header.length, alignment) - header.length), data]);
}

function pad(value: number, alignment: number): number {
  return Math.ceil(value / alignment) * alignment;
}

function u32(value: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(value);
  return b;
}

function u64(value: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(value));
  return b;
}

function str(value: string): Buffer {
  const bytes = Buffer.from(value, 'utf8');
  return Buffer.concat([u64(bytes.length), bytes]);
}

function encode(value: GgufValue): Buffer {
  const b = Buffer.alloc(8);
  switch (value.type) {
    case 'uint8': b.writeUInt8(value.value); return b.subarray(0, 1);
    case 'int8': b.writeInt8(value.value); return b.subarray(0, 1);
    case 'uint16': b.writeUInt16LE(value.value); return b.subarray(0, 2);
    case 'int16': b.writeInt16LE(value.value); return b.subarray(0, 2);
    case 'uint32': return u32(value.value);
    case 'int32': b.writeInt32LE(value.value); return b.subarray(0, 4);
    case 'float32': b.writeFloatLE(value.value); return b.subarray(0, 4);
    case 'float64': b.writeDoubleLE(value.value); return b;
    case 'uint64': b.writeBigUInt64LE(value.value); return b;
    case 'int64': b.writeBigInt64LE(value.value); return b;
    case 'bool': return Buffer.from([value.value ? 1 : 0]);
    case 'string': return str(value.value);
    case 'array': return Buffer.concat([u32(TYPE_CODES[value.itemType]), u64(value.items.length), ...value.items.map(encode)]);
    default: {
      const unreachable: never = value;
      return unreachable;
    }
  }
}
