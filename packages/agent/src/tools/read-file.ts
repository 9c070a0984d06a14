import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { statTarget } from './missing-path-error.js';
import { displayPath, resolveWorkspacePath } from './resolve-workspace-path.js';
import { ToolError, systemErrorCode } from './tool-error.js';
import { DEFAULT_READ_MAX_BYTES, DEFAULT_READ_MAX_LINES } from './tool-limits.js';

/** A NUL byte within this many leading bytes marks a file as binary (git's heuristic). */
export const BINARY_SNIFF_BYTES = 8 * 1024;
const READ_CHUNK_BYTES = 64 * 1024;

/** Arguments as the model sends them; `offset` 0 and `limit` 0 mean "from the start" and "as many as allowed". */
export interface ReadFileArgs {
  path: string;
  /** 1-based first line to return. */
  offset?: number;
  /** Most lines to return. */
  limit?: number;
}

/** Limits and cancellation for `readWorkspaceFile`. */
export interface ReadFileOptions {
  signal?: AbortSignal;
  /** Default `DEFAULT_READ_MAX_LINES`; also caps `args.limit`. */
  maxLines?: number;
  /** Default `DEFAULT_READ_MAX_BYTES`. */
  maxBytes?: number;
}

/** A window of a text file, plus the identity of the whole file (for stale-read checks). */
export interface ReadFileResult {
  /** Workspace-relative, `/` separators. */
  path: string;
  /** The lines `startLine..endLine` joined by `\n`, with CR of CRLF endings removed. */
  text: string;
  /** 1-based; 0 (with `endLine` 0) for an empty file. */
  startLine: number;
  endLine: number;
  totalLines: number;
  /** The window does not reach the end of the file, or its only line was cut. */
  truncated: boolean;
  /** Set when the single line returned was longer than the byte limit and was cut. */
  clippedLine?: number;
  mtimeMs: number;
  size: number;
  /** Hex SHA-256 of the whole file. */
  sha256: string;
}

/**
 * Reads a window of lines from a workspace text file. Refuses directories, binary files and
 * paths outside the workspace; streams the file so huge ones cost memory only for the window.
 * Rejects with `signal.reason` when aborted.
 */
export async function readWorkspaceFile(workspace: string, args: ReadFileArgs, options: ReadFileOptions = {}): Promise<ReadFileResult> {
  const maxLines = options.maxLines ?? DEFAULT_READ_MAX_LINES;
  const maxBytes = options.maxBytes ?? DEFAULT_READ_MAX_BYTES;
  const startLine = Math.max(1, wholeNumber(args.offset ?? 0, 'offset'));
  const requested = wholeNumber(args.limit ?? 0, 'limit');
  const limit = requested === 0 ? maxLines : Math.min(requested, maxLines);
  options.signal?.throwIfAborted();

  const target = await resolveWorkspacePath(workspace, args.path);
  const path = target.relative;
  const info = await statTarget(target, 'read');
  if (info.isDirectory()) {
    throw new ToolError('is_directory', `'${displayPath(path)}' is a directory, not a file. Use list_dir to see what it contains.`, { path });
  }
  // Opening a FIFO or device would block or never end.
  if (!info.isFile()) throw new ToolError('not_regular_file', `'${path}' is not a regular file (a device, socket or pipe) and cannot be read.`, { path });

  const collector = new LineWindow(startLine, limit, maxBytes);
  const hash = createHash('sha256');
  let sniffed = 0;
  const handle = await open(target.absolute, 'r').catch((error: unknown) => {
    throw new ToolError('io_error', `Cannot read '${path}' (${systemErrorCode(error) ?? 'unknown error'}).`, { path, cause: error });
  });
  try {
    for (;;) {
      options.signal?.throwIfAborted();
      const buffer = Buffer.allocUnsafe(READ_CHUNK_BYTES);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      const chunk = buffer.subarray(0, bytesRead);
      if (sniffed < BINARY_SNIFF_BYTES) {
        if (chunk.subarray(0, BINARY_SNIFF_BYTES - sniffed).includes(0)) {
          throw new ToolError('binary_file', `'${path}' is a binary file (${info.size} bytes); read_file only shows text. Use shell (e.g. 'file' or 'xxd | head') to inspect it.`, { path });
        }
        sniffed += chunk.length;
      }
      hash.update(chunk);
      collector.push(chunk);
    }
  } finally {
    await handle.close();
  }
  const window = collector.finish();
  if (window.totalLines > 0 && startLine > window.totalLines) {
    throw new ToolError('invalid_arguments', `offset ${startLine} is past the end of '${path}', which has ${window.totalLines} lines. Use an offset from 1 to ${window.totalLines}.`, { path });
  }
  const endLine = window.lines.length === 0 ? 0 : startLine + window.lines.length - 1;
  return {
    path,
    text: window.lines.join('\n'),
    startLine: window.lines.length === 0 ? 0 : startLine,
    endLine,
    totalLines: window.totalLines,
    truncated: endLine < window.totalLines || window.clipped,
    ...(window.clipped ? { clippedLine: startLine } : {}),
    mtimeMs: info.mtimeMs,
    size: info.size,
    sha256: hash.digest('hex'),
  };
}

/** What the model sees: a header, the raw lines (no line-number prefixes: they would end up in patch context), and how to read on. */
export function formatReadResult(result: ReadFileResult): string {
  if (result.totalLines === 0) return `${result.path} (empty file)`;
  const parts = [`${result.path} (lines ${result.startLine}-${result.endLine} of ${result.totalLines})`, result.text];
  if (result.clippedLine !== undefined) {
    parts.push(`[Line ${result.clippedLine} is too long to show whole and was cut. Use search with a specific pattern to find what you need in it.]`);
  }
  if (result.endLine < result.totalLines) {
    const rest = result.totalLines - result.endLine;
    parts.push(`[${rest} more line${rest === 1 ? '' : 's'}. To read on, call read_file with offset ${result.endLine + 1}.]`);
  }
  return parts.join('\n');
}

function wholeNumber(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 0) {
    throw new ToolError('invalid_arguments', `${name} must be a whole number >= 0 (0 means the default), not ${String(value)}.`);
  }
  return value;
}

// Splits a byte stream into lines, keeping only the wanted window and counting the rest.
class LineWindow {
  readonly lines: string[] = [];
  private lineNumber = 1;
  private parts: Buffer[] = [];
  private partBytes = 0;
  private pendingBytes = 0;
  private usedBytes = 0;
  private done = false;
  private clipped = false;

  constructor(
    private readonly startLine: number,
    private readonly limit: number,
    private readonly maxBytes: number,
  ) {}

  push(chunk: Buffer): void {
    let position = 0;
    while (position <= chunk.length) {
      const newline = chunk.indexOf(10, position);
      const end = newline === -1 ? chunk.length : newline;
      this.pendingBytes += end - position;
      if (this.wanted() && this.partBytes <= this.maxBytes) {
        // Bytes past maxBytes are never shown, so a giant line costs no memory.
        const part = chunk.subarray(position, Math.min(end, position + this.maxBytes + 1 - this.partBytes));
        this.parts.push(part);
        this.partBytes += part.length;
      }
      if (newline === -1) return;
      this.endLine();
      position = newline + 1;
    }
  }

  finish(): { lines: string[]; totalLines: number; clipped: boolean } {
    if (this.pendingBytes > 0) this.endLine();
    return { lines: this.lines, totalLines: this.lineNumber - 1, clipped: this.clipped };
  }

  private wanted(): boolean {
    return !this.done && this.lineNumber >= this.startLine;
  }

  private endLine(): void {
    if (this.wanted()) {
      const fullBytes = this.pendingBytes;
      let bytes = Buffer.concat(this.parts, this.partBytes);
      if (bytes.at(-1) === 13 && fullBytes === bytes.length) bytes = bytes.subarray(0, -1);
      if (this.usedBytes + fullBytes + 1 > this.maxBytes) {
        this.done = true;
        if (this.lines.length === 0) {
          this.lines.push(bytes.subarray(0, utf8Boundary(bytes, this.maxBytes)).toString('utf8'));
          this.clipped = true;
        }
      } else {
        this.lines.push(bytes.toString('utf8'));
        this.usedBytes += fullBytes + 1;
        if (this.lines.length >= this.limit) this.done = true;
      }
    }
    this.parts = [];
    this.partBytes = 0;
    this.pendingBytes = 0;
    this.lineNumber++;
  }
}

// The largest cut <= `at` that does not split a UTF-8 sequence.
function utf8Boundary(bytes: Buffer, at: number): number {
  let cut = Math.min(at, bytes.length);
  while (cut > 0 && cut < bytes.length && ((bytes[cut] ?? 0) & 0xc0) === 0x80) cut--;
  return cut;
}
