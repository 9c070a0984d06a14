import assert from 'node:assert/strict';
import { setImmediate as nextImmediate } from 'node:timers/promises';
import { describe, it } from 'node:test';
import type { AgentEvent, AgentOp } from '@spark/protocol';
import type { AgentHost, HostPeer } from './agent-host.js';
import { HostConnection } from './host-connection.js';
import type { HostMessage } from './wire/host-frames.js';

const THREAD = 'thread-1';

function event(seq: number, type: 'turn.started' | 'thread.idle'): AgentEvent {
  return type === 'turn.started'
    ? { type, thread_id: THREAD, turn_id: 'turn-1', seq, turn: 1, input: 'hi' }
    : { type, thread_id: THREAD, turn_id: null, seq };
}

/**
 * The slice of AgentHost that HostConnection calls, with an agent whose `submit` emits
 * `turn.started` synchronously, as the real agent does before it sends its request.
 */
function fakeHost(onSubmit: (peer: HostPeer, op: AgentOp) => void): AgentHost {
  const host = {
    connect: (): void => undefined,
    disconnect: (): void => undefined,
    hello: (): HostMessage => ({ type: 'hello', protocol: 1, workspace: '/w', model: 'm', version: '0' }),
    listThreads: (): Promise<[]> => Promise.resolve([]),
    submit: (peer: HostPeer, _threadId: string, op: AgentOp): Promise<void> => { onSubmit(peer, op); return Promise.resolve(); },
  };
  return host as unknown as AgentHost;
}

/** Lets every pending microtask run (promise chains of any reasonable length). */
async function drainMicrotasks(): Promise<void> {
  for (let index = 0; index < 20; index += 1) await Promise.resolve();
}

void describe('HostConnection frame order', () => {
  void it("queues an op's answer behind the events it caused, and writes both once the tick's work is done", async () => {
    const frames: HostMessage[] = [];
    const host = fakeHost((peer) => { peer.event(event(1, 'turn.started')); });
    const connection = new HostConnection(host, { send: (message) => { frames.push(message); } });
    assert.deepEqual(frames.map((frame) => frame.type), ['hello']);

    connection.receive(JSON.stringify({ type: 'thread.op', id: 'r7', thread_id: THREAD, op: { type: 'user_message', text: 'hi' } }));
    await drainMicrotasks();
    // The agent's own continuation (building and sending its request) runs in these microtasks:
    // nothing is serialised or written for the client until they are done.
    assert.deepEqual(frames.map((frame) => frame.type), ['hello']);

    connection.event(event(2, 'thread.idle'));
    await nextImmediate();
    assert.deepEqual(frames.slice(1), [
      { type: 'event', event: event(1, 'turn.started') },
      { type: 'result', id: 'r7', result: {} },
      { type: 'event', event: event(2, 'thread.idle') },
    ]);
    connection.close();
  });

  void it('writes an answer at once when no events wait', async () => {
    const frames: HostMessage[] = [];
    const connection = new HostConnection(fakeHost(() => undefined), { send: (message) => { frames.push(message); } });
    connection.receive(JSON.stringify({ type: 'threads.list', id: 'r1' }));
    await drainMicrotasks();
    assert.deepEqual(frames.slice(1), [{ type: 'result', id: 'r1', result: { threads: [] } }]);
    connection.close();
  });

  void it('keeps the order across a full batch: the events that filled it, then the queued answer, then later events', async () => {
    const frames: HostMessage[] = [];
    const host = fakeHost((peer) => { peer.event(event(1, 'turn.started')); });
    const connection = new HostConnection(host, { send: (message) => { frames.push(message); }, maxEventsPerFrame: 2 });
    connection.receive(JSON.stringify({ type: 'thread.op', id: 'r3', thread_id: THREAD, op: { type: 'user_message', text: 'hi' } }));
    await drainMicrotasks();
    connection.event(event(2, 'thread.idle'));
    connection.event(event(3, 'thread.idle'));
    connection.event(event(4, 'thread.idle'));
    // The batch reached its limit with seq 3: everything before it is written in order at once.
    assert.deepEqual(frames.slice(1).map((frame) => (frame.type === 'event' ? `event ${frame.event.seq}` : frame.type === 'events' ? `events ${frame.events.map((item) => item.seq).join(',')}` : frame.type)),
      ['event 1', 'result', 'events 2,3']);
    await nextImmediate();
    const last = frames.at(-1);
    assert.equal(last?.type === 'event' ? last.event.seq : null, 4);
    connection.close();
  });
});
