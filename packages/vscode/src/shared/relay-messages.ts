/**
 * The chat webview's socket to the agent host, relayed by the extension host: the webview cannot
 * open the host's WebSocket itself (its Origin, `vscode-webview://…`, fails the host's same-Origin
 * check, and the token would have to live in the page), so it posts frames and the extension
 * host sends them on its own `ws` connection, token in the Authorization header.
 * Every message names the relayed socket by `id`: a reconnect opens a new one, and late messages
 * of an old one are dropped.
 */
export type WebviewToExtension =
  | { readonly type: 'ready' }
  | { readonly type: 'open'; readonly id: number }
  | { readonly type: 'send'; readonly id: number; readonly data: string }
  | { readonly type: 'close'; readonly id: number; readonly code?: number; readonly reason?: string };

export type ExtensionToWebview =
  /** A message for the chat from an editor command (Ask, Explain, Fix): sent as the user's. */
  | { readonly type: 'prompt'; readonly text: string }
  /** The active editor's file and selection, offered as `@` mentions in the composer (none: no editor). */
  | { readonly type: 'context'; readonly mentions: readonly string[] }
  | { readonly type: 'open'; readonly id: number }
  | { readonly type: 'message'; readonly id: number; readonly data: string }
  | { readonly type: 'error'; readonly id: number }
  | { readonly type: 'close'; readonly id: number; readonly code: number; readonly reason: string };

/** Most mentions one `context` message offers, and the longest one. */
export const MAX_CONTEXT_MENTIONS = 4;
export const MAX_MENTION_CHARS = 1024;

/** Largest frame the relay carries either way (the host's own frame limit is lower). */
export const MAX_RELAY_FRAME_CHARS = 16 * 1024 * 1024;

/** A message from the webview, or undefined when it is not one (the extension host's boundary). */
export function parseWebviewMessage(value: unknown): WebviewToExtension | undefined {
  if (isRecord(value) && value['type'] === 'ready') return { type: 'ready' };
  if (!isRecord(value) || typeof value['id'] !== 'number' || !Number.isSafeInteger(value['id'])) return undefined;
  const id = value['id'];
  switch (value['type']) {
    case 'open':
      return { type: 'open', id };
    case 'send':
      return typeof value['data'] === 'string' && value['data'].length <= MAX_RELAY_FRAME_CHARS ? { type: 'send', id, data: value['data'] } : undefined;
    case 'close':
      return {
        type: 'close', id,
        ...(typeof value['code'] === 'number' ? { code: value['code'] } : {}),
        ...(typeof value['reason'] === 'string' ? { reason: value['reason'].slice(0, 123) } : {}),
      };
    default:
      return undefined;
  }
}

/** A message from the extension host, or undefined (the webview's boundary). */
export function parseExtensionMessage(value: unknown): ExtensionToWebview | undefined {
  if (isRecord(value) && value['type'] === 'prompt') return typeof value['text'] === 'string' ? { type: 'prompt', text: value['text'] } : undefined;
  if (isRecord(value) && value['type'] === 'context') {
    const list = value['mentions'];
    if (!Array.isArray(list)) return undefined;
    const mentions = list.filter((item): item is string => typeof item === 'string' && item !== '' && item.length <= MAX_MENTION_CHARS).slice(0, MAX_CONTEXT_MENTIONS);
    return { type: 'context', mentions };
  }
  if (!isRecord(value) || typeof value['id'] !== 'number') return undefined;
  const id = value['id'];
  switch (value['type']) {
    case 'open':
    case 'error':
      return { type: value['type'], id };
    case 'message':
      return typeof value['data'] === 'string' ? { type: 'message', id, data: value['data'] } : undefined;
    case 'close':
      return typeof value['code'] === 'number' && typeof value['reason'] === 'string' ? { type: 'close', id, code: value['code'], reason: value['reason'] } : undefined;
    default:
      return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
