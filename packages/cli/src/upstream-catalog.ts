import { EngineError, type Engine, type EngineEvent, type EngineStats, type GenerateRequest, type ModelInfo } from '@spark/engine';
import { openUpstreamEngine, PROVIDER_PRESETS, resolveUpstreams, type UpstreamConfig, type UpstreamProvider, type WireApi } from '@spark/engine-upstream';

/** Where one provider stands: not contacted yet, connecting, serving its models, or unusable (why). */
export type ProviderStatus =
  | { name: string; state: 'idle' }
  | { name: string; state: 'opening' }
  | { name: string; state: 'ready'; api: WireApi; baseUrl: string; models: number }
  | { name: string; state: 'failed'; reason: string };

/**
 * One provider's models as an engine the server can hold from the start, connected later: it
 * lists nothing until `open()` has listed the provider's models, so the server's resolver (which
 * asks every engine on every request) starts routing `<provider>/<model>` to it then. Its name is
 * the provider's, as the engine it wraps names itself, so warm-chain states match.
 */
export class LazyUpstreamEngine implements Engine {
  readonly name: string;
  private engine: Engine | undefined;
  private opening: Promise<void> | undefined;
  private current: ProviderStatus;
  private readonly closing = new AbortController();

  constructor(name: string, private readonly resolve: () => UpstreamProvider) {
    this.name = name;
    this.current = { name, state: 'idle' };
  }

  get status(): ProviderStatus {
    return this.current;
  }

  /**
   * Connects the provider (its wire API and models: a `/models` call or two); one attempt at a
   * time, and a failed one may be tried again. Rejects with the reason, also kept in `status`.
   */
  open(signal?: AbortSignal): Promise<void> {
    if (this.engine !== undefined) return Promise.resolve();
    this.opening ??= this.connect(signal).finally(() => { this.opening = undefined; });
    return this.opening;
  }

  private async connect(signal: AbortSignal | undefined): Promise<void> {
    this.current = { name: this.name, state: 'opening' };
    try {
      const provider = this.resolve();
      const opened = await openUpstreamEngine(provider, { signal: signal === undefined ? this.closing.signal : AbortSignal.any([signal, this.closing.signal]) });
      if (this.closing.signal.aborted) {
        await opened.engine.dispose();
        throw new Error('closed');
      }
      this.engine = opened.engine;
      this.current = { name: this.name, state: 'ready', api: opened.api, baseUrl: provider.baseUrl, models: opened.models.length };
    } catch (error) {
      this.current = { name: this.name, state: 'failed', reason: error instanceof Error ? error.message : String(error) };
      throw error;
    }
  }

  listModels(): readonly ModelInfo[] {
    return this.engine?.listModels() ?? [];
  }

  generate(request: GenerateRequest): AsyncIterable<EngineEvent> {
    if (this.engine === undefined) throw new EngineError('model_not_found', `The model '${request.model}' does not exist (upstream ${this.name} is not connected).`, { param: 'model' });
    return this.engine.generate(request);
  }

  stats(): EngineStats {
    return this.engine?.stats() ?? { activeSequences: 0 };
  }

  async dispose(): Promise<void> {
    this.closing.abort();
    await this.opening?.catch(() => undefined);
    await this.engine?.dispose();
  }
}

export interface UpstreamCatalogOptions {
  /** The config file's `upstreams` (connected in the background by `openConfigured`). */
  config: Readonly<Record<string, UpstreamConfig>>;
  env: NodeJS.ProcessEnv;
  /** Left out of the catalog (the provider a server already serves otherwise). */
  except?: string;
}

/**
 * Every provider a `/model` switch can reach: the config file's `upstreams`, connected in the
 * background when the app starts, and the built-in presets, connected only when a model of theirs
 * is asked for (so starting never contacts a hosted API the user did not name).
 */
export class UpstreamCatalog {
  readonly engines: readonly LazyUpstreamEngine[];
  private readonly configured: ReadonlySet<string>;

  constructor(private readonly options: UpstreamCatalogOptions) {
    const names = [...Object.keys(options.config), ...Object.keys(PROVIDER_PRESETS).filter((name) => !(name in options.config))]
      .filter((name) => name !== options.except);
    this.configured = new Set(Object.keys(options.config));
    this.engines = names.map((name) => new LazyUpstreamEngine(name, () => this.resolve(name)));
  }

  /** Starts connecting the configured providers; the promise settles when all have (a failure only marks its provider). */
  openConfigured(signal?: AbortSignal): Promise<ProviderStatus[]> {
    const configured = this.engines.filter((engine) => this.configured.has(engine.name));
    return Promise.all(configured.map((engine) => engine.open(signal).catch(() => undefined))).then(() => configured.map((engine) => engine.status));
  }

  /** The provider of that name, if the catalog has it. */
  provider(name: string): LazyUpstreamEngine | undefined {
    return this.engines.find((engine) => engine.name === name);
  }

  /** Configured providers, and presets once contacted: what `/model` reports on. */
  statuses(): ProviderStatus[] {
    return this.engines.filter((engine) => this.configured.has(engine.name) || engine.status.state !== 'idle').map((engine) => engine.status);
  }

  /** Presets not contacted yet that could be (their key is set, or they need none, and they have a URL). */
  reachable(): string[] {
    return this.engines.filter((engine) => engine.status.state === 'idle' && !this.configured.has(engine.name)).flatMap((engine) => {
      try {
        this.resolve(engine.name);
        return [engine.name];
      } catch {
        return [];
      }
    });
  }

  /** Disposes every provider (for a server that never started; a started server disposes its engines). */
  async dispose(): Promise<void> {
    await Promise.all(this.engines.map((engine) => engine.dispose()));
  }

  private resolve(name: string): UpstreamProvider {
    const [provider] = resolveUpstreams([], [], { [name]: this.options.config[name] ?? {} }, this.options.env);
    if (provider === undefined) throw new Error(`no upstream '${name}'`);
    return provider;
  }
}

/** How the status line names a provider's engine: `lab · Chat Completions at gpu-box:8000`. */
export function describeUpstream(status: ProviderStatus): string {
  if (status.state !== 'ready') return `${status.name} upstream`;
  return `${status.name} · ${status.api === 'responses' ? 'Responses' : 'Chat Completions'} at ${new URL(status.baseUrl).host}`;
}
