import type { IncomingMessage } from 'node:http';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { ApiError, apiErrors, findExcessNesting, MAX_JSON_DEPTH } from '@spark/protocol';

/**
 * Above this many bytes, decoding, the nesting scan and parsing each get their own turn of the
 * event loop: each costs 10-30 ms on a 16 MB body, together they would hold every other stream.
 */
export const YIELD_ABOVE_BODY_BYTES = 1024 * 1024;

/**
 * Reads and parses a JSON request body of at most `maxBytes` (the content type is checked
 * before, in `checkBrowserRules`). Throws `ApiError` 413 (without buffering the rest) or 400,
 * also for nesting deeper than `MAX_JSON_DEPTH`, found by a scan of the text before anything
 * walks it recursively.
 */
export async function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) throw apiErrors.bodyTooLarge(maxBytes);
  const chunks: Buffer[] = [];
  let size = 0;
  await new Promise<void>((resolve, reject) => {
    const cleanup = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > maxBytes) {
        cleanup();
        chunks.length = 0;
        reject(apiErrors.bodyTooLarge(maxBytes));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => { cleanup(); resolve(); };
    const onError = (error: Error): void => { cleanup(); reject(error); };
    const onClose = (): void => {
      cleanup();
      reject(new ApiError(400, 'invalid_request_error', null, 'The client closed the connection while sending the body.'));
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
  const large = size > YIELD_ABOVE_BODY_BYTES;
  const text = Buffer.concat(chunks, size).toString('utf8');
  chunks.length = 0;
  if (text.trim() === '') throw apiErrors.invalidJson();
  if (large) await nextTurn();
  const tooDeep = findExcessNesting(text, MAX_JSON_DEPTH);
  if (tooDeep !== undefined) throw apiErrors.nestingTooDeep(tooDeep, MAX_JSON_DEPTH);
  if (large) await nextTurn();
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw apiErrors.invalidJson();
  }
}
