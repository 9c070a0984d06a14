import { totalmem } from 'node:os';
import { parseKvCacheType, type KvCacheType, type LlamaEngineOptions, type ModelMemory } from '@spark/engine-llama';
import { CliError } from './cli-error.js';

/**
 * Share of the machine's RAM that `spark serve`'s local models may take (weights plus KV cache
 * and buffers) when no --memory-budget is given: the rest stays for the OS, the server, the
 * agent's tools and the user's own programs.
 */
export const DEFAULT_MEMORY_BUDGET_SHARE = 0.5;

/** A memory budget: bytes, and how it was given (for the start report). */
export interface MemoryBudget {
  readonly bytes: number;
  readonly source: string;
}

/**
 * `--memory-budget`: `8G`, `8GB`, `512M`, `1.5GiB`, plain bytes, or a share of RAM (`60%`).
 * Decimal and binary units are both 1024-based here (as `free -g` reads): a budget is a rough cap.
 */
export function parseMemoryBudget(raw: string | undefined, total = totalmem()): MemoryBudget {
  if (raw === undefined) {
    return { bytes: Math.floor(total * DEFAULT_MEMORY_BUDGET_SHARE), source: `${DEFAULT_MEMORY_BUDGET_SHARE * 100}% of RAM, the default` };
  }
  const match = /^\s*(\d+(?:\.\d+)?)\s*(%|[kmgt]i?b?|b)?\s*$/i.exec(raw);
  const value = match?.[1] === undefined ? NaN : Number(match[1]);
  const unit = (match?.[2] ?? 'b').toLowerCase();
  if (!Number.isFinite(value) || value <= 0) {
    throw new CliError(`--memory-budget must be a size (8G, 512M, bytes) or a share of RAM (60%), got '${raw}'`);
  }
  if (unit === '%') {
    if (value > 100) throw new CliError(`--memory-budget share must be at most 100%, got '${raw}'`);
    return { bytes: Math.floor((total * value) / 100), source: `${value}% of RAM` };
  }
  const scale = { b: 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 }[unit[0] as 'b' | 'k' | 'm' | 'g' | 't'];
  return { bytes: Math.floor(value * scale), source: '--memory-budget' };
}

/** The K/V cache types from `--kv-cache-type` (both) and the per-tensor flags, which win. */
export function parseKvCacheFlags(both: string | undefined, key: string | undefined, value: string | undefined): Pick<LlamaEngineOptions, 'kvCacheKeyType' | 'kvCacheValueType'> {
  const parse = (name: string, raw: string | undefined): KvCacheType | undefined => {
    if (raw === undefined) return undefined;
    try {
      return parseKvCacheType(name, raw);
    } catch (error) {
      throw new CliError(error instanceof Error ? error.message : String(error));
    }
  };
  const shared = parse('--kv-cache-type', both);
  const keyType = parse('--kv-cache-type-k', key) ?? shared;
  const valueType = parse('--kv-cache-type-v', value) ?? shared;
  return { ...(keyType === undefined ? {} : { kvCacheKeyType: keyType }), ...(valueType === undefined ? {} : { kvCacheValueType: valueType }) };
}

/** `--swa-cache full|window`: how sliding-window layers keep their KV cells (unset: the engine's default). */
export function parseSwaCache(raw: string | undefined): Pick<LlamaEngineOptions, 'swaFullCache'> {
  if (raw === undefined) return {};
  if (raw === 'full') return { swaFullCache: true };
  if (raw === 'window') return { swaFullCache: false };
  throw new CliError(`--swa-cache must be full or window, got '${raw}'`);
}

/** `--rope-scaling yarn --rope-scale <n> [--yarn-orig-ctx <n>]`, as llama-server spells them. */
export function parseRopeScaling(type: string | undefined, scale: string | undefined, originalContext: string | undefined): Pick<LlamaEngineOptions, 'ropeScaling'> {
  if (type === undefined) {
    if (scale !== undefined || originalContext !== undefined) throw new CliError('--rope-scale and --yarn-orig-ctx need --rope-scaling yarn');
    return {};
  }
  if (type !== 'yarn') throw new CliError(`--rope-scaling must be yarn (the one scaling Spark sets up), got '${type}'`);
  const factor = Number(scale);
  if (scale === undefined || !Number.isFinite(factor) || factor <= 1) throw new CliError(`--rope-scaling yarn needs --rope-scale above 1 (Qwen2.5: 4), got '${scale ?? ''}'`);
  const original = originalContext === undefined ? undefined : Number(originalContext);
  if (original !== undefined && (!Number.isInteger(original) || original < 1)) throw new CliError(`--yarn-orig-ctx must be a positive integer, got '${originalContext ?? ''}'`);
  return { ropeScaling: { type: 'yarn', factor, ...(original === undefined ? {} : { originalContextSize: original }) } };
}

/** One start-report line: the window, why, and what it costs ("4 x 32768 tokens, KV f16 1.2 GB, weights 0.24 GB; budget 8 GB"). */
export function describeModelMemory(held: ModelMemory, budget: MemoryBudget | undefined): string {
  const gb = (bytes: number): string => `${(bytes / 1e9).toFixed(bytes < 1e9 ? 2 : 1)} GB`;
  const kv = held.kvCache.key === held.kvCache.value ? held.kvCache.key : `K ${held.kvCache.key} / V ${held.kvCache.value}`;
  const why = held.windowReason === 'full' ? (held.maxContextSize > held.trainContextSize ? "the model's whole rope-scaled window" : "the model's whole trained window")
    : held.windowReason === 'budget' ? `the most the budget allows; the model holds ${held.maxContextSize}`
    : held.windowReason === 'explicit' ? `--ctx; the model holds ${held.maxContextSize}`
    : `the default cap; the model holds ${held.maxContextSize}`;
  const budgetText = budget === undefined ? '' : `; budget ${gb(held.memoryBudgetBytes ?? budget.bytes)} (${budget.source})`;
  return `${held.id}: ${held.sequences} x ${held.contextSize} tokens (${why}), KV ${kv} + buffers ${gb(held.contextBytes)} (estimated), weights ${gb(held.weightsBytes)} (mapped)${budgetText}`;
}
