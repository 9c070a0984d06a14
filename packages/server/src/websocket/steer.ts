import { randomBytes } from 'node:crypto';
import type { MessageInputItem, OutputItem } from '@spark/protocol';
import type { RequiredInputStub } from './ws-frames.js';

/** Accepted steering input, owned by the connection until a successor commits it. */
export interface QueuedSteer {
  id: string;
  /** As the client sent it, for `response.steer.failed`. */
  input: unknown;
  items: MessageInputItem[];
}

/** A new steering submission id (`steer_<hex>`). */
export function newSteerId(): string {
  return `steer_${randomBytes(12).toString('hex')}`;
}

/**
 * The client-owned tool results a finished response waits for: one stub per completed tool
 * call. A steered response that has any continues only once the client sent them (the steering
 * input is then prepended to that request, spec §3.8 step 3); one without any gets an automatic
 * successor.
 */
export function requiredInputs(output: readonly OutputItem[]): RequiredInputStub[] {
  const stubs: RequiredInputStub[] = [];
  for (const item of output) {
    if (item.status !== 'completed') continue;
    if (item.type === 'function_call') stubs.push({ type: 'function_call_output', call_id: item.call_id, name: item.name });
    else if (item.type === 'custom_tool_call') stubs.push({ type: 'custom_tool_call_output', call_id: item.call_id });
  }
  return stubs;
}
