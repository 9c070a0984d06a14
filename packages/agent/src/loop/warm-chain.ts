import type { CreateParams, ResponsesConnection, ToolParam } from '@spark/client';
import { toInputItems } from '../history/history-item.js';
import type { Conversation } from './conversation.js';
import type { TurnInputs } from './turn-inputs.js';

/** What every request repeats: model, instructions, tools, and the caller's overrides. */
export interface RequestBase {
  model: string;
  instructions: string;
  tools: readonly ToolParam[];
  sessionId: string | undefined;
  requestOverrides: Partial<CreateParams> | undefined;
}

export function baseRequest(base: RequestBase): Omit<CreateParams, 'input'> {
  return {
    model: base.model,
    instructions: base.instructions,
    tools: [...base.tools],
    store: false,
    ...(base.sessionId === undefined ? {} : { prompt_cache_key: base.sessionId }),
    ...base.requestOverrides,
  };
}

/**
 * The next model request. Steering and notes join the history now, in the order they reach the
 * model. On a warm WebSocket chain (same connection, history only grown since) only the items
 * after the chain go out, continuing `previous_response_id`; otherwise the whole history does.
 */
export async function buildRequest(
  base: RequestBase,
  conversation: Conversation,
  inputs: TurnInputs,
  connection: ResponsesConnection,
): Promise<{ params: CreateParams; sentItems: number }> {
  for (const item of inputs.take()) await conversation.push(item);
  const history = conversation.history;
  const chain = conversation.chain;
  const warm = connection.kind === 'websocket' && chain !== undefined && chain.epoch === connection.connectionEpoch && chain.items <= history.length;
  let items = warm ? history.slice(chain.items) : history;
  if (warm && inputs.serverHeldSteer !== undefined) {
    const held = inputs.serverHeldSteer;
    items = items.filter((item) => item !== held);
  }
  inputs.serverHeldSteer = undefined;
  // A fork's first request: the parent's unsent items lead (never history: a resend without the parent could not carry them).
  if (warm && conversation.fork?.chain === chain) items = [...conversation.fork.items, ...items];
  const params: CreateParams = {
    ...baseRequest(base),
    input: toInputItems(items),
    ...(warm ? { previous_response_id: chain.responseId } : {}),
  };
  return { params, sentItems: items.length };
}
