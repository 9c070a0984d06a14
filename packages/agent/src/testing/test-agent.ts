// Test support: an in-process agent on a test server (WebSocket unless told), with the settings agent tests share.
import { connectResponses, type ResponsesConnection } from '@spark/client';
import { Agent, type AgentOptions } from '../loop/agent.js';
import { WORKSPACE_TOOLS } from '../tools/tool-definitions.js';

/**
 * Opens a connection to `url` (a test server) and an agent on it in `workspace`; the connection
 * is pushed onto `connections` for the suite to close.
 */
export async function openTestAgent(
  url: string, model: string, workspace: string, connections: ResponsesConnection[], extra: Partial<AgentOptions> = {},
  transport: 'websocket' | 'http' = 'websocket',
): Promise<Agent> {
  const connection = await connectResponses({ baseUrl: `${url}/v1`, transport });
  connections.push(connection);
  return new Agent({
    connection, model, workspace, instructions: 'Test agent.', tools: WORKSPACE_TOOLS,
    contextWindow: 100_000, approval: 'auto-in-workspace', ...extra,
  });
}
