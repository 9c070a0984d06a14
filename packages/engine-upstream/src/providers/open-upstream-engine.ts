import type { Engine } from '@spark/engine';
import { ChatUpstreamEngine } from '../chat/chat-upstream-engine.js';
import { ResponsesUpstreamEngine } from '../responses/responses-upstream-engine.js';
import { detectWireApi, discoverModels, type DiscoveryOptions } from './discover-models.js';
import { DEFAULT_UPSTREAM_CONTEXT_WINDOW } from '../upstream-limits.js';
import type { WireApi } from './provider-presets.js';
import type { ProviderModel, UpstreamProvider } from './upstream-provider.js';

export interface OpenedUpstream {
  engine: Engine;
  api: WireApi;
  models: readonly ProviderModel[];
}

/** Connects a provider: its wire API (detected when `auto`), its models (listed when not configured), and the engine that speaks it. */
export async function openUpstreamEngine(provider: UpstreamProvider, options: DiscoveryOptions = {}): Promise<OpenedUpstream> {
  const api = await detectWireApi(provider, options);
  const models = await discoverModels(provider, options);
  const key = provider.apiKey === undefined ? {} : { apiKey: provider.apiKey };
  const tuning = {
    ...(provider.limits === undefined ? {} : { limits: provider.limits }),
    ...(provider.sendPrediction === undefined ? {} : { sendPrediction: provider.sendPrediction }),
  };
  const engine: Engine = api === 'responses'
    ? new ResponsesUpstreamEngine({
      name: provider.name, baseUrl: provider.baseUrl, ...key, ...tuning,
      models: models.map((model) => ({ id: model.id, contextSize: model.contextWindow ?? DEFAULT_UPSTREAM_CONTEXT_WINDOW })),
    })
    : new ChatUpstreamEngine({
      name: provider.name, baseUrl: provider.baseUrl, ...key, ...tuning,
      models: models.map((model) => ({ id: model.id, contextWindow: model.contextWindow ?? DEFAULT_UPSTREAM_CONTEXT_WINDOW })),
    });
  return { engine, api, models };
}
