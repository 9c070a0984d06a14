import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ObservedEngine, type ScriptedEngine } from '@spark/engine';
import { startTestServer, testScript, TEST_MODEL, waitFor, type TestServer } from '../testing/test-server.js';
import { outputText, responseOf, WsTestClient } from '../testing/ws-test-client.js';

const CHUNK = 'x'.repeat(50_000);
const BIG_TOKENS = 1000;

/** Text tokens the engine produced, to see whether a generation is paused. */
let produced = 0;
const counting = (engine: ScriptedEngine): ObservedEngine =>
  new ObservedEngine(engine, { onEvent: (_request, event) => { if (event.type === 'text-delta') produced += 1; } });

void describe('WebSocket backpressure', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({
      websocket: { limits: { highWaterMarkBytes: 64 * 1024 } },
      engineOptions: {
        script: (request) => {
          const user = request.conversation.at(-1);
          if (user?.type === 'user' && user.text === 'big') return [{ type: 'text', text: Array.from({ length: BIG_TOKENS }, () => CHUNK).join(' ') }];
          return testScript(request);
        },
      },
      wrapEngine: counting,
    });
  });
  after(async () => { await t.server.close(); });

  void it('a reader that stops reading pauses only its own generation; another connection is served meanwhile', async () => {
    const slow = await WsTestClient.connect(t.url);
    slow.ws.pause();
    slow.send({ type: 'response.create', model: TEST_MODEL, store: false, input: 'big' });
    // The engine stops being pulled once the socket buffers are full: production stalls far below the total.
    let seen = -1;
    while (seen !== produced) {
      seen = produced;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    assert.ok(produced > 0 && produced < BIG_TOKENS / 2, `produced ${produced} of ${BIG_TOKENS}`);
    assert.equal(t.engine.stats().activeSequences, 1);

    const fast = await WsTestClient.connect(t.url);
    const frames = await fast.create({ model: TEST_MODEL, store: false, input: 'meanwhile' });
    assert.equal(outputText(responseOf(frames.at(-1))), 'You said: meanwhile');
    assert.ok(produced < BIG_TOKENS / 2, 'the paused generation did not advance');
    fast.close();

    // Leaving while paused releases the sequence.
    slow.ws.terminate();
    await waitFor(() => t.engine.stats().activeSequences === 0);
  });
});

void describe('WebSocket flood from a client that does not read', () => {
  void it('is closed with 1008 once its unread error frames pass maxBufferedBytes; other connections are untouched', { timeout: 30_000 }, async () => {
    const t = await startTestServer({ websocket: { limits: { maxBufferedBytes: 16 * 1024 } } });
    try {
      const flooder = await WsTestClient.connect(t.url);
      const other = await WsTestClient.connect(t.url);
      flooder.ws.pause();
      // Kernel socket buffers absorb the first ~5 MB of answers (~28k error frames on a default Linux); 60k frames overflow them.
      for (let batch = 0; batch < 30; batch += 1) {
        for (let index = 0; index < 2000; index += 1) flooder.ws.send('{bad');
        await new Promise((resolve) => setImmediate(resolve));
      }
      assert.equal(outputText(responseOf((await other.create({ model: TEST_MODEL, input: 'fine' })).at(-1))), 'You said: fine');
      flooder.ws.resume();
      const { code } = await flooder.closed;
      assert.equal(code, 1008);
      assert.ok(flooder.frames.length > 1000 && flooder.frames.every((frame) => frame['type'] === 'error'));
      other.close();
    } finally {
      await t.server.close();
    }
  });
});
