// Test support: a pass-through HTTP + WebSocket proxy that records what crossed it, so a test can
// tell which transport a client really used without trusting either side's own account.
import { createServer, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { StringDecoder } from 'node:string_decoder';
import { WsFrameReader } from './ws-frame-reader.js';

/** One plain HTTP request and its answer. */
export interface HttpExchange {
  kind: 'http';
  method: string;
  path: string;
  requestHeaders: IncomingHttpHeaders;
  requestBody: string;
  /** Upstream status; 0 until the answer's head arrived, 502 when upstream was unreachable. */
  status: number;
  responseBody: string;
  /** `type` of each SSE `data:` payload, in order (empty for non-SSE answers). */
  events: string[];
  /** The answer ended (upstream closed its body). */
  finished: boolean;
}

/** One `Upgrade: websocket` request, its answer, and the JSON messages of the connection. */
export interface UpgradeExchange {
  kind: 'upgrade';
  method: string;
  path: string;
  requestHeaders: IncomingHttpHeaders;
  /** Status code of upstream's answer to the upgrade (101 when it switched); 0 until known. */
  status: number;
  /** Parsed text frames the client sent (`response.create`, ...). */
  clientMessages: Array<Record<string, unknown>>;
  /** Parsed text frames the server sent (the Responses stream events). */
  serverMessages: Array<Record<string, unknown>>;
  /** Frames that were binary, compressed or not JSON objects: a protocol error for these clients. */
  unreadableFrames: number;
}

export type Exchange = HttpExchange | UpgradeExchange;

/** A listening proxy. */
export interface RecordingProxy {
  /** `http://127.0.0.1:port`, no trailing slash. */
  url: string;
  /** Everything seen so far, in arrival order. */
  exchanges: Exchange[];
  /** Plain requests with this method and path (query string ignored). */
  http(method: string, path: string): HttpExchange[];
  upgrades(): UpgradeExchange[];
  close(): Promise<void>;
}

/** Hop-by-hop and negotiation headers the proxy does not forward on an upgrade. */
const DROPPED_UPGRADE_HEADERS = new Set([
  // Declining permessage-deflate keeps the server's frames readable here; the spec lets a server
  // decline it, and Codex copes.
  'sec-websocket-extensions',
]);

/**
 * Starts a proxy on 127.0.0.1 (ephemeral port) that forwards everything to `target`
 * (`http://host:port`) unchanged, except that it declines WebSocket compression.
 */
export async function startRecordingProxy(target: string): Promise<RecordingProxy> {
  const upstream = new URL(target);
  const upstreamPort = Number(upstream.port || 80);
  const exchanges: Exchange[] = [];
  const sockets = new Set<Socket>();

  const server = createServer((req, res) => {
    const exchange: HttpExchange = {
      kind: 'http', method: req.method ?? 'GET', path: req.url ?? '/', requestHeaders: req.headers,
      requestBody: '', status: 0, responseBody: '', events: [], finished: false,
    };
    exchanges.push(exchange);
    const requestChunks: Buffer[] = [];
    const forward = httpRequest({ host: upstream.hostname, port: upstreamPort, method: exchange.method, path: exchange.path, headers: req.headers }, (answer) => {
      exchange.status = answer.statusCode ?? 0;
      res.writeHead(exchange.status, answer.headers);
      // Recorded as it streams: a client may hang up right after the terminal event.
      const decoder = new StringDecoder('utf8');
      let partialLine = '';
      answer.on('data', (chunk: Buffer) => {
        res.write(chunk);
        const text = decoder.write(chunk);
        exchange.responseBody += text;
        const lines = (partialLine + text).split('\n');
        partialLine = lines.pop() ?? '';
        exchange.events.push(...sseEventTypes(lines.join('\n')));
      });
      answer.on('end', () => {
        const rest = partialLine + decoder.end();
        exchange.responseBody += rest.slice(partialLine.length);
        exchange.events.push(...sseEventTypes(rest));
        exchange.finished = true;
        res.end();
      });
      answer.on('error', () => res.destroy());
    });
    forward.on('error', () => {
      if (exchange.status === 0) {
        exchange.status = 502;
        if (!res.headersSent) res.writeHead(502).end();
      } else {
        res.destroy();
      }
    });
    // A client that leaves mid-stream must cancel the upstream request too, as it would directly.
    res.on('close', () => { if (!exchange.finished) forward.destroy(); });
    req.on('data', (chunk: Buffer) => {
      requestChunks.push(chunk);
      forward.write(chunk);
    });
    req.on('end', () => {
      exchange.requestBody = Buffer.concat(requestChunks).toString('utf8');
      forward.end();
    });
  });

  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  server.on('upgrade', (req, clientSocket: Socket, head: Buffer) => {
    const exchange: UpgradeExchange = {
      kind: 'upgrade', method: req.method ?? 'GET', path: req.url ?? '/', requestHeaders: req.headers,
      status: 0, clientMessages: [], serverMessages: [], unreadableFrames: 0,
    };
    exchanges.push(exchange);
    const upstreamSocket = connect(upstreamPort, upstream.hostname);
    sockets.add(upstreamSocket);
    upstreamSocket.on('close', () => { sockets.delete(upstreamSocket); clientSocket.destroy(); });
    clientSocket.on('close', () => upstreamSocket.destroy());
    upstreamSocket.on('error', () => clientSocket.destroy());
    clientSocket.on('error', () => upstreamSocket.destroy());

    const lines = [`${exchange.method} ${exchange.path} HTTP/1.1`];
    for (let index = 0; index + 1 < req.rawHeaders.length; index += 2) {
      const name = req.rawHeaders[index] ?? '';
      if (!DROPPED_UPGRADE_HEADERS.has(name.toLowerCase())) lines.push(`${name}: ${req.rawHeaders[index + 1] ?? ''}`);
    }
    upstreamSocket.write(`${lines.join('\r\n')}\r\n\r\n`);
    if (head.length > 0) upstreamSocket.write(head);

    const clientFrames = new WsFrameReader();
    const serverFrames = new WsFrameReader();
    let answerHead: Buffer = Buffer.alloc(0);
    let switched = false;
    clientSocket.on('data', (chunk: Buffer) => {
      upstreamSocket.write(chunk);
      for (const message of readFrames(clientFrames, chunk, exchange)) exchange.clientMessages.push(message);
    });
    upstreamSocket.on('data', (chunk: Buffer) => {
      clientSocket.write(chunk);
      if (switched) {
        for (const message of readFrames(serverFrames, chunk, exchange)) exchange.serverMessages.push(message);
        return;
      }
      if (exchange.status !== 0) return; // a refused upgrade's body: nothing to decode
      answerHead = Buffer.concat([answerHead, chunk]);
      const end = answerHead.indexOf('\r\n\r\n');
      if (end < 0) return;
      const statusLine = answerHead.subarray(0, answerHead.indexOf('\r\n')).toString('latin1');
      exchange.status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0);
      if (exchange.status !== 101) return;
      switched = true;
      const rest = answerHead.subarray(end + 4);
      if (rest.length > 0) for (const message of readFrames(serverFrames, rest, exchange)) exchange.serverMessages.push(message);
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    exchanges,
    http: (method, path) => exchanges.filter((e): e is HttpExchange => e.kind === 'http' && e.method === method && e.path.split('?')[0] === path),
    upgrades: () => exchanges.filter((e): e is UpgradeExchange => e.kind === 'upgrade'),
    close: () => new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    }),
  };
}

/** Decodes frames; JSON-object text frames come back, everything else only counts as unreadable. */
function readFrames(reader: WsFrameReader, chunk: Buffer, exchange: UpgradeExchange): Array<Record<string, unknown>> {
  const objects: Array<Record<string, unknown>> = [];
  let messages;
  try {
    messages = reader.push(chunk);
  } catch {
    exchange.unreadableFrames += 1;
    return objects;
  }
  for (const message of messages) {
    if (message.opcode >= 8) continue; // close, ping, pong
    const parsed = message.opcode === 1 && !message.compressed ? parseJson(message.payload.toString('utf8')) : undefined;
    if (isRecord(parsed)) objects.push(parsed);
    else exchange.unreadableFrames += 1;
  }
  return objects;
}

/** `type` of each `data:` line of an SSE body that holds a JSON object. */
export function sseEventTypes(body: string): string[] {
  const types: string[] = [];
  for (const line of body.split(/\r?\n/)) {
    if (!line.startsWith('data:')) continue;
    const parsed = parseJson(line.slice(5).trim());
    if (isRecord(parsed) && typeof parsed['type'] === 'string') types.push(parsed['type']);
  }
  return types;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Narrows parsed JSON to a plain object. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
