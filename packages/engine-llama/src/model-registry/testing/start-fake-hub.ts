import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A file the fake hub serves. */
export interface FakeHubFile {
  body: Buffer;
  /** Sent as `X-Linked-Etag` (quoted), like the hub does for LFS files. */
  linkedEtag?: string;
  contentType?: string;
}

/** One request the fake hub saw. */
export interface FakeHubRequest {
  method: string;
  path: string;
  range?: string;
  authorization?: string;
  status: number;
}

/** Options of {@link startFakeHub}. */
export interface FakeHubOptions {
  /** URL path -> file. Anything else is a 404. */
  files: Readonly<Record<string, FakeHubFile>>;
  /** Answer HEAD and GET with a 302 to `<redirectTo><path>` carrying the linked headers, like the hub's CDN hop. */
  redirectTo?: string;
  /** Serve every GET in full with a 200, as a server without Range support does. */
  ignoreRange?: boolean;
}

/** A real HTTP server on 127.0.0.1 standing in for the Hugging Face hub. */
export interface FakeHub {
  origin: string;
  requests: FakeHubRequest[];
  /** The next body response sends `afterBytes` bytes, then goes silent until {@link FakeHub.dropStalled}. */
  stallNext(afterBytes: number): void;
  /** Drops the connections of stalled responses, as a network failure would. */
  dropStalled(): void;
  close(): Promise<void>;
}

/** Starts the fake hub on an ephemeral port. */
export async function startFakeHub(options: FakeHubOptions): Promise<FakeHub> {
  const requests: FakeHubRequest[] = [];
  let stallAfter: number | undefined;
  const stalled = new Set<ServerResponse>();

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://fake').pathname);
    const record: FakeHubRequest = { method: req.method ?? 'GET', path, status: 0 };
    if (req.headers.range !== undefined) record.range = req.headers.range;
    if (req.headers.authorization !== undefined) record.authorization = req.headers.authorization;
    requests.push(record);
    const file = options.files[path];
    const send = (status: number, headers: Record<string, string | number>, body?: Buffer): void => {
      record.status = status;
      res.writeHead(status, headers);
      if (req.method === 'HEAD' || body === undefined) {
        res.end();
        return;
      }
      const afterBytes = stallAfter;
      stallAfter = undefined;
      if (afterBytes === undefined) {
        res.end(body);
        return;
      }
      stalled.add(res);
      res.write(body.subarray(0, afterBytes));
    };
    if (file === undefined) {
      send(404, { 'content-type': 'text/plain' }, Buffer.from('Entry not found'));
      return;
    }
    const linked: Record<string, string | number> =
      file.linkedEtag === undefined ? {} : { 'x-linked-etag': `"${file.linkedEtag}"`, 'x-linked-size': file.body.length };
    if (options.redirectTo !== undefined) {
      send(302, { location: `${options.redirectTo}${path}`, ...linked, 'content-length': 0 });
      return;
    }
    const type = { 'content-type': file.contentType ?? 'application/octet-stream', 'accept-ranges': 'bytes' };
    const size = file.body.length;
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    if (range === null || options.ignoreRange === true) {
      send(200, { ...type, ...linked, 'content-length': size }, file.body);
      return;
    }
    const start = Number(range[1]);
    if (start >= size) {
      send(416, { 'content-range': `bytes */${size}`, 'content-length': 0 }, Buffer.alloc(0));
      return;
    }
    send(
      206,
      { ...type, ...linked, 'content-length': size - start, 'content-range': `bytes ${start}-${size - 1}/${size}` },
      file.body.subarray(start),
    );
  };

  const server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    stallNext(afterBytes) {
      stallAfter = afterBytes;
    },
    dropStalled() {
      for (const res of stalled) res.socket?.destroy();
      stalled.clear();
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** An origin on 127.0.0.1 where nothing listens (a port that was just freed). */
export async function unreachableOrigin(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
