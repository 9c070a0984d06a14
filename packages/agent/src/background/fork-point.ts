import type { ResponsesConnection } from '@spark/client';
import { isToolCall, isToolOutput, toolOutputFor, type HistoryItem } from '../history/history-item.js';
import type { Chain } from '../loop/conversation.js';

/**
 * The most of its window a parent's context may fill for a child to fork it: the child's own
 * budget does not count the parent's tokens, so it needs the rest of the window to work in.
 */
export const MAX_FORK_CONTEXT_SHARE = 0.5;

/** Where a thread starts when it forks another's context on the same connection. */
export interface ForkPoint {
  /** The parent's last response: the child's first request continues it (`previous_response_id`). */
  responseId: string;
  /** The connection epoch that response belongs to (a reconnect loses it). */
  epoch: number;
  /** Items the child sends before its own: the parent's items past `responseId`, and answers to its unanswered calls. */
  items: HistoryItem[];
}

/** What answers the parent's calls still running when the child forks (the spawn_agent call itself). */
export const FORK_CALL_OUTPUT = '[running: you are the background agent this call started; the task follows]';

/**
 * The fork point of a thread's warm chain, or undefined where forking saves nothing or could
 * not work: no warm WebSocket chain on this connection, or a history past `MAX_FORK_CONTEXT_SHARE`.
 */
export function forkPointOf(
  chain: Chain | undefined,
  history: readonly HistoryItem[],
  connection: ResponsesConnection,
  share: number,
): ForkPoint | undefined {
  if (connection.kind !== 'websocket' || chain === undefined || chain.epoch !== connection.connectionEpoch) return undefined;
  if (chain.items > history.length || share > MAX_FORK_CONTEXT_SHARE) return undefined;
  const answered = new Set(history.filter(isToolOutput).map((item) => item.call_id));
  // Every call needs an answer before the child's own input, or its first request is invalid.
  const unanswered = history.filter(isToolCall).filter((call) => !answered.has(call.call_id));
  return {
    responseId: chain.responseId,
    epoch: chain.epoch,
    items: [...history.slice(chain.items), ...unanswered.map((call) => toolOutputFor(call, FORK_CALL_OUTPUT))],
  };
}
