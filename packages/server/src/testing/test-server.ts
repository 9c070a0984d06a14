// Test support: a server on an ephemeral port over a ScriptedEngine, and the official SDK client.
import OpenAI from 'openai';
import { ScriptedEngine, type Engine, type GenerateRequest, type ScriptStep, type ScriptedEngineOptions } from '@spark/engine';
import { startServer } from '../start-server.js';
import type { Logger, RunningServer, ServerOptions } from '../server-options.js';

export const TEST_MODEL = 'scripted';
/** The context window the test engine reports (ScriptedEngine's default). */
export const TEST_CONTEXT_SIZE = 4096;

export interface TestServer {
  server: RunningServer;
  engine: ScriptedEngine;
  client: OpenAI;
  url: string;
  /** `http://127.0.0.1:port/v1`, as a client's `baseUrl`. */
  baseUrl: string;
  /** Lines the server logged at warn/error level. */
  logged: string[];
}

/**
 * The script every server test uses, driven by the last conversation turn:
 * - a tool result -> `Result: <output>`
 * - user text `{"steps": [...]}` -> exactly those steps
 * - user text `slow <n>` -> n tokens `t1 t2 ...`, each after a short abortable delay
 * - any other user text -> `You said: <text>`
 */
export function testScript(request: GenerateRequest): readonly ScriptStep[] {
  const last = request.conversation.at(-1);
  if (last?.type === 'tool_result') return [{ type: 'text', text: `Result: ${last.output}` }];
  const user = [...request.conversation].reverse().find((item) => item.type === 'user');
  const text = user?.type === 'user' ? user.text : '';
  if (text.startsWith('{')) return (JSON.parse(text) as { steps: ScriptStep[] }).steps;
  const slow = /^slow (\d+)$/.exec(text);
  if (slow) {
    const steps: ScriptStep[] = [];
    for (let index = 1; index <= Number(slow[1]); index += 1) steps.push({ type: 'delay', ms: 5 }, { type: 'text', text: index === 1 ? 't1' : ` t${index}` });
    return steps;
  }
  return [{ type: 'text', text: `You said: ${text}` }];
}

/** Starts a server on port 0 with a ':memory:' store unless told otherwise. */
export async function startTestServer(
  options: Partial<ServerOptions> & { engineOptions?: ScriptedEngineOptions; wrapEngine?: (engine: ScriptedEngine) => Engine } = {},
): Promise<TestServer> {
  const { engineOptions, wrapEngine, ...serverOptions } = options;
  const engine = new ScriptedEngine({ models: [TEST_MODEL], script: testScript, ...engineOptions });
  const logged: string[] = [];
  const logger: Logger = { info: () => undefined, warn: (msg) => logged.push(msg), error: (msg) => logged.push(msg) };
  const served = wrapEngine ? wrapEngine(engine) : engine;
  const server = await startServer({ engine: served, port: 0, dbPath: ':memory:', logger, ...serverOptions });
  const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: serverOptions.apiKeys?.[0] ?? 'test-key', maxRetries: 0 });
  return { server, engine, client, url: server.url, baseUrl: `${server.url}/v1`, logged };
}

/** Steps input for `testScript`. */
export function steps(...list: ScriptStep[]): string {
  return JSON.stringify({ steps: list });
}

/** Polls until `predicate` holds (behaviour, not timing: the deadline only stops a hung test). */
export async function waitFor(predicate: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
