import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RawWsClient, clientFrame, OPCODE } from '../testing/raw-ws-client.js';
import { startTestServer, TEST_MODEL, type TestServer } from '../testing/test-server.js';
import { WsTestClient } from '../testing/ws-test-client.js';
import { DEFAULT_WS_MAX_CONTROL_FRAMES } from './ws-limits.js';

const create = (input: string): Buffer => clientFrame(OPCODE.text, JSON.stringify({ type: 'response.create', model: TEST_MODEL, input }));
const pings = (count: number): Buffer => Buffer.concat(Array.from({ length: count }, () => clientFrame(OPCODE.ping, 'p')));

void describe('WebSocket control frames', () => {
  let t: TestServer;
  before(async () => { t = await startTestServer(); });
  after(async () => { await t.server.close(); });

  void it('closes a ping flood with 1008 while another connection keeps working', async () => {
    const bystander = await WsTestClient.connect(t.url);
    const flood = await RawWsClient.connect(t.url);
    // One write: 20,000 pings, then a request the flooder never gets answered.
    flood.write(Buffer.concat([pings(20_000), create('after the flood')]));
    bystander.send({ type: 'response.create', model: TEST_MODEL, input: 'still here' });
    await flood.until(() => flood.closeCode !== undefined);
    assert.equal(flood.closeCode, 1008);
    assert.ok(flood.pongs <= 1, `a flood is answered with at most one coalesced pong, got ${flood.pongs}`);
    assert.ok(!flood.texts.some((frame) => frame['type'] === 'response.completed'));
    const done = await bystander.waitFor((frame) => frame['type'] === 'response.completed');
    assert.ok(JSON.stringify(done).includes('You said: still here'));
    bystander.send({ type: 'response.create', model: TEST_MODEL, input: 'and again' });
    await bystander.waitFor((frame) => frame['type'] === 'response.completed' && JSON.stringify(frame).includes('and again'));
    bystander.ws.close();
    flood.socket.destroy();
  });

  void it('answers pings under the limit and still reads the request that follows them', async () => {
    const client = await RawWsClient.connect(t.url);
    client.write(Buffer.concat([pings(DEFAULT_WS_MAX_CONTROL_FRAMES - 10), create('after some pings')]));
    await client.until(() => client.texts.some((frame) => frame['type'] === 'response.completed'));
    assert.ok(client.pongs >= 1);
    assert.equal(client.closeCode, undefined);
    assert.ok(JSON.stringify(client.texts.at(-1)).includes('You said: after some pings'));
    client.socket.destroy();
  });
});
