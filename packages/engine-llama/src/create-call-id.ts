import { randomBytes } from 'node:crypto';

/** A fresh tool call id: `call_` and 24 random base62-ish characters. */
export function createCallId(): string {
  return `call_${randomBytes(18).toString('base64url')}`;
}
