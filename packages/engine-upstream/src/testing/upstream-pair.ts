// Test support: a Spark server in front of a second Spark server (scripted engine), the front one
// serving the upstream's models through an upstream engine, over real sockets.
import { ObservedEngine, type Engine, type FinishReason } from '@spark/engine';
import { startTestServer, type TestServer } from '@spark/server/testing';

export interface UpstreamPair<E extends Engine> {
  /** The upstream Spark; its `engine.requests` show what reached it. */
  upstream: TestServer;
  /** The Spark in front, serving through `engine`. */
  front: TestServer;
  engine: E;
  /** How each upstream generation finished, in order (the upstream side of a cancel or steer). */
  upstreamFinishes: FinishReason[];
  close(): Promise<void>;
}

/** Starts the upstream, the engine `connect` makes for it, and the front server. */
export async function startUpstreamPair<E extends Engine>(
  connect: (upstream: TestServer) => E, upstreamOptions: Parameters<typeof startTestServer>[0] = {},
): Promise<UpstreamPair<E>> {
  const upstreamFinishes: FinishReason[] = [];
  const upstream = await startTestServer({
    wrapEngine: (scripted) => new ObservedEngine(scripted, { onEvent: (_request, event) => { if (event.type === 'finish') upstreamFinishes.push(event.reason); } }),
    ...upstreamOptions,
  });
  const engine = connect(upstream);
  const front = await startTestServer({ wrapEngine: () => engine });
  return {
    upstream, front, engine, upstreamFinishes,
    close: async () => {
      await front.server.close();
      await engine.dispose();
      await upstream.server.close();
    },
  };
}
