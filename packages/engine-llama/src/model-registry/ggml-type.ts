/** ggml tensor types by their number in GGUF tensor infos (ggml.h `enum ggml_type`). */
export const GGML_TYPE = {
  F32: 0, F16: 1, Q4_0: 2, Q4_1: 3, Q5_0: 6, Q5_1: 7, Q8_0: 8, Q8_1: 9,
  Q2_K: 10, Q3_K: 11, Q4_K: 12, Q5_K: 13, Q6_K: 14, Q8_K: 15,
  IQ2_XXS: 16, IQ2_XS: 17, IQ3_XXS: 18, IQ1_S: 19, IQ4_NL: 20, IQ3_S: 21, IQ2_S: 22, IQ4_XS: 23,
  I8: 24, I16: 25, I32: 26, I64: 27, F64: 28, IQ1_M: 29, BF16: 30, TQ1_0: 34, TQ2_0: 35,
  MXFP4: 39, NVFP4: 40, Q1_0: 41, Q2_0: 42,
} as const;

/** Name of a ggml type. */
export type GgmlTypeName = keyof typeof GGML_TYPE;

/** Weights per block and bytes per block of one ggml type (ggml.c `type_traits`). */
export interface GgmlTypeTraits {
  name: GgmlTypeName;
  blockSize: number;
  typeSize: number;
}

// [blockSize, typeSize], checked against sizeof(block_*) in the llama.cpp that node-llama-cpp 3.22.1 bundles.
const SIZES: Readonly<Record<GgmlTypeName, readonly [number, number]>> = {
  F32: [1, 4], F16: [1, 2], Q4_0: [32, 18], Q4_1: [32, 20], Q5_0: [32, 22], Q5_1: [32, 24], Q8_0: [32, 34], Q8_1: [32, 36],
  Q2_K: [256, 84], Q3_K: [256, 110], Q4_K: [256, 144], Q5_K: [256, 176], Q6_K: [256, 210], Q8_K: [256, 292],
  IQ2_XXS: [256, 66], IQ2_XS: [256, 74], IQ3_XXS: [256, 98], IQ1_S: [256, 50], IQ4_NL: [32, 18], IQ3_S: [256, 110],
  IQ2_S: [256, 82], IQ4_XS: [256, 136], I8: [1, 1], I16: [1, 2], I32: [1, 4], I64: [1, 8], F64: [1, 8],
  IQ1_M: [256, 56], BF16: [1, 2], TQ1_0: [256, 54], TQ2_0: [256, 66], MXFP4: [32, 17], NVFP4: [64, 36],
  Q1_0: [128, 18], Q2_0: [64, 18],
};

const TRAITS: ReadonlyMap<number, GgmlTypeTraits> = new Map(
  (Object.keys(GGML_TYPE) as GgmlTypeName[]).map((name) => {
    const [blockSize, typeSize] = SIZES[name];
    return [GGML_TYPE[name], { name, blockSize, typeSize }];
  }),
);

/** The traits of a ggml type number, or undefined for a type this build does not know. */
export function ggmlTypeTraits(type: number): GgmlTypeTraits | undefined {
  return TRAITS.get(type);
}

/**
 * Bytes of a tensor's data (ggml_nbytes of a contiguous tensor): undefined for an unknown type,
 * or a first dimension that is not a whole number of blocks.
 */
export function ggmlTensorBytes(type: number, dims: readonly number[]): number | undefined {
  const traits = TRAITS.get(type);
  const [rowLength = 1, ...rest] = dims;
  if (traits === undefined || rowLength % traits.blockSize !== 0) return undefined;
  return rest.reduce((bytes, dim) => bytes * dim, (rowLength / traits.blockSize) * traits.typeSize);
}
