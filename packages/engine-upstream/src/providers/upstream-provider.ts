import { z } from 'zod';
import type { UpstreamLimits } from '../upstream-limits.js';
import { PROVIDER_PRESETS, type WireApi } from './provider-presets.js';
import { UpstreamConfigError } from './upstream-config-error.js';

/** A provider's name is the prefix of its model ids (`cerebras/llama-3.3-70b`). */
export const PROVIDER_NAME = /^[a-z0-9][a-z0-9_.-]{0,63}$/;

/** One upstream as the config file declares it (`upstreams` in config.json), every field optional over its preset. */
export const upstreamConfigSchema = z.object({
  baseUrl: z.string().url().optional(),
  /** `auto` (default for a provider without a preset): try Responses, fall back to Chat Completions. */
  api: z.enum(['responses', 'chat', 'auto']).optional(),
  /** The environment variable holding its key (keys themselves never go in a file or a flag). */
  apiKeyEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/).optional(),
  /** Models to offer, instead of the provider's own `/models` list. */
  models: z.array(z.union([z.string().min(1), z.object({ id: z.string().min(1), contextWindow: z.number().int().min(1).optional() }).strict()])).optional(),
  /** Pass requests' `prediction` (Predicted Outputs) on; default: see each engine's `sendPrediction`. */
  sendPrediction: z.boolean().optional(),
  /** Timeouts and retries for this provider, each over its default (`DEFAULT_UPSTREAM_LIMITS`). */
  limits: z.object({
    connectTimeoutMs: z.number().int().min(0).optional(),
    firstByteTimeoutMs: z.number().int().min(0).optional(),
    idleTimeoutMs: z.number().int().min(0).optional(),
    maxAttempts: z.number().int().min(1).max(10).optional(),
    retryBaseMs: z.number().int().min(0).optional(),
    maxRetryDelayMs: z.number().int().min(0).optional(),
    maxRetryAfterMs: z.number().int().min(0).optional(),
    maxIdleSockets: z.number().int().min(0).optional(),
    socketIdleMs: z.number().int().min(0).optional(),
    maxLineBytes: z.number().int().min(1).optional(),
  }).strict().optional(),
}).strict();
export type UpstreamConfig = z.infer<typeof upstreamConfigSchema>;

export const upstreamsConfigSchema = z.record(z.string().regex(PROVIDER_NAME, 'provider names are lowercase letters, digits, _ . -'), upstreamConfigSchema);

export interface ProviderModel {
  /** The id the provider knows it by (without the provider prefix). */
  id: string;
  contextWindow?: number | undefined;
}

/** A provider ready to be connected: its URL, wire API, key and (when given) models. */
export interface UpstreamProvider {
  name: string;
  baseUrl: string;
  api: WireApi | 'auto';
  /** Read from the environment; never logged or echoed. */
  apiKey?: string;
  /** Where the key came from, for messages. */
  apiKeyEnv?: string;
  models?: ProviderModel[];
  sendPrediction?: boolean;
  limits?: Partial<UpstreamLimits>;
}

/**
 * The providers of `--upstream <name>[=<base-url>]` flags and `--upstream-key <name>=env:<VAR>`
 * flags over the config file's `upstreams`: a preset name alone is enough (`--upstream cerebras`),
 * a URL makes any OpenAI-compatible server one (`--upstream lab=http://gpu-box:8000/v1`). Keys
 * come only from environment variables, so they never show in `ps` or a shell history.
 */
export function resolveUpstreams(
  flags: readonly string[], keyFlags: readonly string[], config: Readonly<Record<string, UpstreamConfig>>, env: Readonly<Record<string, string | undefined>>,
): UpstreamProvider[] {
  const declared = new Map<string, UpstreamConfig>(Object.entries(config));
  for (const flag of flags) {
    const at = flag.indexOf('=');
    const name = at < 0 ? flag : flag.slice(0, at);
    checkName(name, `--upstream ${flag}`);
    const baseUrl = at < 0 ? undefined : flag.slice(at + 1);
    declared.set(name, { ...declared.get(name), ...(baseUrl === undefined ? {} : { baseUrl }) });
  }
  for (const flag of keyFlags) {
    const match = /^([^=]+)=env:([A-Za-z_][A-Za-z0-9_]*)$/.exec(flag);
    if (!match) throw new UpstreamConfigError('invalid_upstream', `--upstream-key takes <name>=env:<VARIABLE>, got '${flag.replace(/=.*/, '=…')}': keys are read from the environment, never given on the command line.`);
    const [, name = '', variable = ''] = match;
    if (!declared.has(name)) throw new UpstreamConfigError('invalid_upstream', `--upstream-key names '${name}', which no --upstream declares.`);
    declared.set(name, { ...declared.get(name), apiKeyEnv: variable });
  }
  return [...declared].map(([name, entry]) => resolveOne(name, entry, env));
}

function resolveOne(name: string, entry: UpstreamConfig, env: Readonly<Record<string, string | undefined>>): UpstreamProvider {
  checkName(name, name);
  const preset = PROVIDER_PRESETS[name];
  const baseUrl = entry.baseUrl ?? preset?.baseUrl;
  if (baseUrl === undefined) {
    throw new UpstreamConfigError('invalid_upstream', `Upstream '${name}' needs a base URL: --upstream ${name}=http://host:8000/v1.`);
  }
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new UpstreamConfigError('invalid_upstream', `Upstream '${name}': '${baseUrl}' is not a URL.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UpstreamConfigError('invalid_upstream', `Upstream '${name}': the base URL must be http or https.`);
  if (url.username !== '' || url.password !== '') throw new UpstreamConfigError('invalid_upstream', `Upstream '${name}': put the key in an environment variable (--upstream-key ${name}=env:VAR), not in the URL.`);
  const apiKeyEnv = entry.apiKeyEnv ?? preset?.apiKeyEnv;
  const apiKey = apiKeyEnv === undefined ? undefined : env[apiKeyEnv]?.trim() || undefined;
  if (apiKey === undefined && preset?.keyRequired && entry.apiKeyEnv === undefined) {
    throw new UpstreamConfigError('missing_api_key', `Upstream '${name}' needs a key: set ${apiKeyEnv ?? 'its key variable'}, or name another variable with --upstream-key ${name}=env:VAR.`);
  }
  if (apiKey === undefined && entry.apiKeyEnv !== undefined) {
    throw new UpstreamConfigError('missing_api_key', `Upstream '${name}': ${entry.apiKeyEnv} is not set.`);
  }
  return {
    name,
    baseUrl: url.href.replace(/\/+$/, ''),
    api: entry.api ?? preset?.api ?? 'auto',
    ...(apiKey === undefined ? {} : { apiKey }),
    ...(apiKeyEnv === undefined ? {} : { apiKeyEnv }),
    ...(entry.models === undefined ? {} : { models: entry.models.map((model) => (typeof model === 'string' ? { id: model } : model)) }),
    ...(entry.sendPrediction === undefined ? {} : { sendPrediction: entry.sendPrediction }),
    ...(entry.limits === undefined ? {} : { limits: withoutUndefined(entry.limits) }),
  };
}

/** Optional fields as zod reads them may hold `undefined`; a `Partial` under exactOptionalPropertyTypes may not. */
function withoutUndefined(limits: NonNullable<UpstreamConfig['limits']>): Partial<UpstreamLimits> {
  return Object.fromEntries(Object.entries(limits).filter(([, value]) => value !== undefined));
}

function checkName(name: string, given: string): void {
  if (!PROVIDER_NAME.test(name)) {
    throw new UpstreamConfigError('invalid_upstream', `'${given}': a provider name is lowercase letters, digits, _ . - (it prefixes its model ids, as in cerebras/llama-3.3-70b).`);
  }
}
