import { randomUUID } from 'node:crypto';
import { rename, rm, writeFile } from 'node:fs/promises';
import type { CreateParams, ResponsesConnection } from '@spark/client';
import { fastApplyRequest } from '@spark/protocol';
import type { NodePatchFileSystem } from '../apply-patch/node-patch-file-system.js';
import { AgentError } from './agent-error.js';

/** Output tokens a rewrite may use per character of the current file (about 3 characters a token, with room to grow). */
export const FAST_APPLY_TOKENS_PER_CHAR = 0.5;
/** The least output a rewrite is allowed, for small files. */
export const MIN_FAST_APPLY_OUTPUT_TOKENS = 256;

/** How the agent turns a big patch into a rewrite (on when given). */
export interface FastApplySettings {
  /** Share of a file's lines an Update must remove to be taken as a rewrite (`DEFAULT_FAST_APPLY_MIN_SHARE`). */
  minShare: number;
  /** The whole new file for `path`: the rewrite request's output text; throws when it failed. */
  rewrite(input: { path: string; file: string; edit: string }, signal: AbortSignal): Promise<string>;
}

/**
 * A rewrite over the agent's connection: protocol's `fastApplyRequest` (the current file is the
 * `prediction`, so the engine drafts every unchanged line), greedy, on the agent's model. An
 * output that did not complete, or came back empty, is a failure: the caller falls back to the
 * patch.
 */
export async function rewriteOverConnection(
  connection: ResponsesConnection, model: string, input: { path: string; file: string; edit: string }, signal: AbortSignal, extra: Partial<CreateParams> = {},
): Promise<string> {
  const params: CreateParams = {
    ...fastApplyRequest({ model, file: input.file, edit: input.edit, path: input.path }),
    max_output_tokens: Math.max(MIN_FAST_APPLY_OUTPUT_TOKENS, Math.ceil((input.file.length + input.edit.length) * FAST_APPLY_TOKENS_PER_CHAR)),
    ...extra,
  };
  let text = '';
  let status = '';
  for await (const event of connection.stream(params, { signal })) {
    if (event.type === 'response.output_text.delta') text += event.delta;
    if (event.type === 'response.completed' || event.type === 'response.incomplete' || event.type === 'response.failed') status = event.response.status ?? '';
  }
  if (status !== 'completed') throw new AgentError('fast_apply_failed', `The rewrite ended ${status || 'without a status'}.`);
  const file = unfence(text);
  if (file.trim() === '') throw new AgentError('fast_apply_failed', 'The rewrite came back empty.');
  // The file's final newline is the original's, whatever the model ended with.
  return input.file.endsWith('\n') ? `${file.replace(/\n+$/, '')}\n` : file.replace(/\n+$/, '');
}

/** Drops one code fence around the whole reply, which models add although told not to. */
function unfence(text: string): string {
  const match = /^\s*```[^\n]*\n([\s\S]*?)\n?```\s*$/.exec(text);
  return match?.[1] ?? text;
}

/**
 * Writes `text` to `path` in the workspace atomically: a temporary file beside it, then a rename,
 * so a reader (or a crash) sees the old file or the new one, never a part.
 */
export async function writeAtomically(fs: NodePatchFileSystem, path: string, text: string): Promise<void> {
  const target = await fs.resolveInside(path);
  const temporary = `${target}.spark-${randomUUID()}.tmp`;
  try {
    await writeFile(temporary, text, 'utf8');
    await rename(temporary, target);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}
