/** Why a workspace tool call failed; the loop turns these into a tool-result message once. */
export type ToolErrorCode =
  | 'invalid_arguments'
  | 'outside_workspace'
  | 'not_found'
  | 'is_directory'
  | 'not_directory'
  | 'not_regular_file'
  | 'binary_file'
  | 'invalid_pattern'
  | 'spawn_failed'
  | 'io_error';

const TOOL_ERROR = Symbol.for('spark.ToolError');

/** Optional details of a tool failure. */
export interface ToolErrorDetails {
  /** The workspace-relative (or model-supplied) path the failure is about. */
  path?: string;
  cause?: unknown;
}

/** A failed workspace tool call; the message is written for the model: what went wrong and what to do next. */
export class ToolError extends Error {
  readonly [TOOL_ERROR] = true;
  readonly path: string | undefined;

  constructor(
    readonly code: ToolErrorCode,
    message: string,
    details: ToolErrorDetails = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'ToolError';
    this.path = details.path;
  }

  /** Identity by brand, not `instanceof`: survives duplicated module copies. */
  static is(value: unknown): value is ToolError {
    return typeof value === 'object' && value !== null && (value as { [TOOL_ERROR]?: unknown })[TOOL_ERROR] === true;
  }
}

/** The `code` of a Node system error (`ENOENT`, ...), if it has one. */
export function systemErrorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  const { code } = error;
  return typeof code === 'string' ? code : undefined;
}
