/** Why an apply_patch call failed; the tool layer maps these to a tool-result message once. */
export type PatchErrorCode =
  | 'invalid_patch'
  | 'file_exists'
  | 'file_not_found'
  | 'context_not_found'
  | 'ambiguous_match'
  | 'path_outside_workspace'
  | 'io_error';

const PATCH_ERROR = Symbol.for('spark.PatchError');

/** Where in the patch or file a failure was found; every field is optional. */
export interface PatchErrorDetails {
  /** 1-based line in the patch text (parse errors and the failing hunk's header). */
  line?: number;
  /** The file the failing operation targets. */
  path?: string;
  /** 1-based index of the failing hunk within its `*** Update File` section. */
  hunk?: number;
  cause?: unknown;
}

/** A failure to parse or apply a patch; the message is written for the model to read and retry. */
export class PatchError extends Error {
  readonly [PATCH_ERROR] = true;
  readonly line: number | undefined;
  readonly path: string | undefined;
  readonly hunk: number | undefined;

  constructor(
    readonly code: PatchErrorCode,
    message: string,
    details: PatchErrorDetails = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'PatchError';
    this.line = details.line;
    this.path = details.path;
    this.hunk = details.hunk;
  }

  /** Identity by brand, not `instanceof`: survives duplicated module copies. */
  static is(value: unknown): value is PatchError {
    return typeof value === 'object' && value !== null && (value as { [PATCH_ERROR]?: unknown })[PATCH_ERROR] === true;
  }
}
