// Test support: @spark/server's scripted test server, with the client's `baseUrl` spelled out.
import type { RunningServer, ServerOptions } from '@spark/server';
import { startTestServer as startServerForTests, steps, TEST_MODEL } from '@spark/server/testing';
import type { ScriptedEngine } from '@spark/engine';

export { steps, TEST_MODEL };
/** The context window the test engine reports (ScriptedEngine's default). */
export const TEST_CONTEXT_SIZE = 4096;

export interface TestServer {
  server: RunningServer;
  engine: ScriptedEngine;
  /** `http://127.0.0.1:port/v1`, as a client's `baseUrl`. */
  baseUrl: string;
}

export async function startTestServer(options: Partial<ServerOptions> = {}): Promise<TestServer> {
  const t = await startServerForTests(options);
  return { server: t.server, engine: t.engine, baseUrl: `${t.url}/v1` };
}
