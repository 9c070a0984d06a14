import { AgentError, SessionError } from '@spark/agent';
import { HostFrameError, type HostError as HostErrorBody } from './wire/host-frames.js';
import { ModelListError } from './fetch-models.js';

/**
 * Codes of the host's own refusals; an agent's codes (`busy`, `unknown_approval`, `invalid_op`,
 * `model_not_found`, `connection_failed`...) pass through as the agent raised them.
 */
export type HostErrorCode =
  | 'invalid_frame' | 'unknown_thread' | 'not_attached' | 'too_many_threads' | 'too_many_requests'
  | 'thread_log_full' | 'invalid_turn' | 'unsupported' | 'host_closed' | 'internal_error';

/** A request the host refuses, answered as an `error` frame to the asking client only. */
export class HostError extends Error {
  constructor(readonly code: HostErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'HostError';
  }
}

/** Maps any failure of a request to the `error` frame's body, once, at the host's boundary. */
export function toHostErrorBody(error: unknown): HostErrorBody {
  if (error instanceof HostError || error instanceof HostFrameError || error instanceof ModelListError) return { code: error.code, message: error.message };
  if (error instanceof SessionError) {
    switch (error.code) {
      case 'session_not_found': return { code: 'unknown_thread', message: 'No such thread in this workspace.' };
      case 'invalid_turn': return { code: 'invalid_turn', message: error.message };
      case 'session_corrupt': return { code: 'session_corrupt', message: 'The thread\'s session file is damaged and cannot be opened.' };
    }
  }
  const agentError = AgentError.from(error);
  return { code: agentError.code, message: agentError.message };
}
