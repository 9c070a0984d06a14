import { ClientError } from '@spark/client';

export type AgentErrorCode =
  | 'interrupted' | 'steered' | 'busy' | 'response_failed' | 'context_exhausted' | 'compaction_failed'
  | 'connection_failed' | 'internal_error' | (string & {});

/** An agent failure with a stable code (the JSONL `error` event and exit status carry it). */
export class AgentError extends Error {
  constructor(readonly code: AgentErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AgentError';
  }

  static from(error: unknown): AgentError {
    if (error instanceof AgentError) return error;
    if (error instanceof ClientError) return new AgentError(error.code, error.message, { cause: error });
    return new AgentError('internal_error', error instanceof Error ? error.message : String(error), { cause: error });
  }
}
