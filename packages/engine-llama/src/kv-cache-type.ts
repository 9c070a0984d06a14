import { GgmlType } from 'node-llama-cpp';

/** KV cache element types the engine offers: llama.cpp's f16 default and its two CPU-supported quantizations. */
export const KV_CACHE_TYPES = ['f16', 'q8_0', 'q4_0'] as const;
export type KvCacheType = (typeof KV_CACHE_TYPES)[number];
/** The KV cache type when none is given: llama.cpp's own default. */
export const DEFAULT_KV_CACHE_TYPE: KvCacheType = 'f16';

/** K and V element types of one context. */
export interface KvCacheTypes {
  readonly key: KvCacheType;
  readonly value: KvCacheType;
}

/** A KV cache type from a name (flag or option), or a RangeError that lists the choices. */
export function parseKvCacheType(name: string, raw: string): KvCacheType {
  const type = KV_CACHE_TYPES.find((each) => each === raw.trim().toLowerCase());
  if (type === undefined) throw new RangeError(`${name} must be one of ${KV_CACHE_TYPES.join(', ')}, got '${raw}'`);
  return type;
}

/**
 * Checks a K/V pair against flash attention: llama.cpp refuses to create a context whose V
 * cache is quantized without it (its attention kernel reads V transposed, which a block
 * quantization cannot be), so the combination is refused here with the reason, before any load.
 */
export function validateKvCacheTypes(types: KvCacheTypes, flashAttention: boolean): KvCacheTypes {
  parseKvCacheType('kvCacheKeyType', types.key);
  parseKvCacheType('kvCacheValueType', types.value);
  if (types.value !== 'f16' && !flashAttention) {
    throw new RangeError(`A quantized V cache (${types.value}) needs flash attention, which is off: turn flash attention on, or keep the V cache f16 (a quantized K cache works without it)`);
  }
  return types;
}

/** node-llama-cpp's GGML type for a KV cache type. */
export function ggmlKvCacheType(type: KvCacheType): GgmlType {
  switch (type) {
    case 'f16': return GgmlType.F16;
    case 'q8_0': return GgmlType.Q8_0;
    case 'q4_0': return GgmlType.Q4_0;
    default: {
      const never: never = type;
      throw new RangeError(`unknown KV cache type ${String(never)}`);
    }
  }
}
