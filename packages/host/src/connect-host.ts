import { WebSocket } from 'ws';
import { HostClient, type ConnectHostOptions } from './wire/host-client.js';
import { HOST_PATH } from './wire/host-paths.js';

/**
 * Connects from Node (the TUI, tests) to the agent host of the server at `url`
 * (`http://127.0.0.1:PORT`, or its app URL with `?token=`), with the token as a Bearer header.
 */
export function connectHost(url: string, token: string, options: Omit<ConnectHostOptions, 'createSocket'> = {}): Promise<HostClient> {
  return HostClient.connect(hostSocketUrl(url), {
    ...options,
    createSocket: (to) => new WebSocket(to, { headers: { authorization: `Bearer ${token}` }, perMessageDeflate: false }),
  });
}

/** `ws://host:port/v1/agent` for a server's base or app URL. */
export function hostSocketUrl(url: string): string {
  const target = new URL(url);
  target.protocol = target.protocol === 'https:' ? 'wss:' : 'ws:';
  target.pathname = HOST_PATH;
  target.search = '';
  target.hash = '';
  return target.toString();
}
