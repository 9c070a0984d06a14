import type { Engine } from '@spark/engine';
import { openUpstreamEngine, resolveUpstreams, UpstreamConfigError, type UpstreamConfig } from '@spark/engine-upstream';
import { CliError } from './cli-error.js';

export interface UpstreamEnginesOptions {
  /** `--upstream <name>[=<base-url>]` flags. */
  flags: readonly string[];
  /** `--upstream-key <name>=env:<VAR>` flags. */
  keyFlags: readonly string[];
  /** The config file's `upstreams`. */
  config: Readonly<Record<string, UpstreamConfig>>;
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  /** One line per provider connected (never its key). */
  log: (line: string) => void;
}

/** Connects every configured upstream provider; a provider that cannot be used stops the command with its reason. */
export async function openUpstreamEngines(options: UpstreamEnginesOptions): Promise<Engine[]> {
  const engines: Engine[] = [];
  try {
    const providers = resolveUpstreams(options.flags, options.keyFlags, options.config, options.env);
    for (const provider of providers) {
      const opened = await openUpstreamEngine(provider, options.signal ? { signal: options.signal } : {});
      engines.push(opened.engine);
      const shown = opened.models.slice(0, 4).map((model) => `${provider.name}/${model.id}`).join(', ');
      options.log(`upstream ${provider.name}: ${opened.api === 'responses' ? 'Responses' : 'Chat Completions'} at ${provider.baseUrl}, `
        + `${opened.models.length} model(s): ${shown}${opened.models.length > 4 ? ', ...' : ''}`);
    }
    return engines;
  } catch (error) {
    await Promise.all(engines.map((engine) => engine.dispose()));
    if (error instanceof UpstreamConfigError) throw new CliError(error.message);
    throw error;
  }
}

/** The provider prefix of a model id (`cerebras/llama-3.3-70b` -> `cerebras`), when it has one. */
export function providerOf(model: string): string | undefined {
  const slash = model.indexOf('/');
  return slash > 0 ? model.slice(0, slash) : undefined;
}
