import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Lets a client that is still sending a body read the error it got instead of a reset: the
 * rest of the body is read and discarded (the connection stays usable for its next request) up
 * to `maxDrainBytes`; a body declared or grown larger than that gets `Connection: close` or is
 * dropped once the bound is passed. Call before writing the answer.
 */
export function discardUnreadBody(req: IncomingMessage, res: ServerResponse, maxDrainBytes: number): void {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxDrainBytes) {
    res.setHeader('connection', 'close');
    req.resume();
    return;
  }
  let drained = 0;
  const onData = (chunk: Buffer): void => {
    drained += chunk.length;
    if (drained <= maxDrainBytes) return;
    cleanup();
    req.socket.destroy();
  };
  const cleanup = (): void => {
    req.off('data', onData);
    req.off('end', cleanup);
    req.off('close', cleanup);
  };
  req.on('data', onData);
  req.once('end', cleanup);
  req.once('close', cleanup);
  req.resume();
}
