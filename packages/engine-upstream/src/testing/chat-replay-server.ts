// Test support: a Chat Completions server that plays back recorded SSE byte streams.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setImmediate as tick } from 'node:timers/promises';

/** One recorded answer: a status, headers, and either SSE chunks (written one by one) or a body. */
export interface ReplayCase {
  status: number;
  headers: Record<string, string>;
  chunks?: string[];
  body?: string;
  /** Destroy the socket after the chunks, without ending the response (a stream cut mid-way). */
  cut?: boolean;
}

export interface ReplayFixture {
  server: string;
  /** Where the shapes come from. */
  source: string;
  cases: Record<string, ReplayCase>;
}

export const CHAT_FIXTURE_SERVERS = ['vllm', 'sglang', 'ollama', 'llama-server', 'cerebras'] as const;

/** Reads `src/chat/fixtures/<server>.json` (tests run from dist/, the fixtures stay in src/). */
export function loadChatFixture(server: string): ReplayFixture {
  return JSON.parse(readFileSync(new URL(`../../src/chat/fixtures/${server}.json`, import.meta.url), 'utf8')) as ReplayFixture;
}

export interface ReceivedRequest {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: unknown;
}

export interface ChatReplayServer {
  /** `http://127.0.0.1:<port>`; a case is served under `<url>/<server>/<case>/v1/chat/completions`. */
  url: string;
  baseUrl(server: string, caseName: string): string;
  received: ReceivedRequest[];
  /** Sockets that closed (a client abort shows up here). */
  closedRequests: number;
  /** Extra cases by `<server>/<case>` (tests add their own: a slow stream, a 503 then a 200). */
  add(key: string, serve: (res: http.ServerResponse, req: http.IncomingMessage) => void | Promise<void>): void;
  close(): Promise<void>;
}

/**
 * A node http server that answers `POST /<server>/<case>/v1/chat/completions` with the fixture's
 * exact bytes: each chunk in its own write, a tick apart, so the client sees them arrive
 * separately; `splitBytes` writes one byte at a time instead (any split must parse the same).
 */
export async function startChatReplayServer(options: { splitBytes?: boolean } = {}): Promise<ChatReplayServer> {
  const fixtures = new Map<string, ReplayFixture>();
  const extra = new Map<string, (res: http.ServerResponse, req: http.IncomingMessage) => void | Promise<void>>();
  const received: ReceivedRequest[] = [];
  const state = { closedRequests: 0 };
  const server = http.createServer((req, res) => {
    void (async () => {
      const parts: Buffer[] = [];
      for await (const chunk of req as AsyncIterable<Buffer>) parts.push(chunk);
      const text = Buffer.concat(parts).toString('utf8');
      received.push({ path: req.url ?? '', headers: req.headers, body: text === '' ? undefined : JSON.parse(text) as unknown });
      res.on('close', () => { state.closedRequests += 1; });
      const match = /^\/([^/]+)\/([^/]+)\/v1\/chat\/completions$/.exec(req.url ?? '');
      if (!match) {
        res.writeHead(404).end();
        return;
      }
      const key = `${match[1]}/${match[2]}`;
      const custom = extra.get(key);
      if (custom) {
        await custom(res, req);
        return;
      }
      const serverName = match[1] ?? '';
      let fixture = fixtures.get(serverName);
      if (!fixture) {
        fixture = loadChatFixture(serverName);
        fixtures.set(serverName, fixture);
      }
      const replay = fixture.cases[match[2] ?? ''];
      if (!replay) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(replay.status, replay.headers);
      if (replay.body !== undefined) {
        res.end(replay.body);
        return;
      }
      for (const chunk of replay.chunks ?? []) {
        if (options.splitBytes) {
          for (const byte of Buffer.from(chunk)) {
            res.write(Buffer.of(byte));
            await tick();
          }
        } else {
          res.write(chunk);
          await tick();
        }
      }
      if (replay.cut) res.socket?.destroy();
      else res.end();
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    baseUrl: (name, caseName) => `${url}/${name}/${caseName}/v1`,
    received,
    get closedRequests() { return state.closedRequests; },
    add: (key, serve) => { extra.set(key, serve); },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
