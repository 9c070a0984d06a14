// The scripted model of the browser app's tests, driven by the last user message (or tool result).
import type { GenerateRequest, ScriptStep } from '@spark/engine';

/** Pause before each token of a `stream <n>` answer: streams stay observable for seconds. */
export const APP_STREAM_DELAY_MS = 10;

/** The file the `patch` turn edits, before and after. */
export const GREET_BEFORE = "export function greet(name: string): string {\n  return 'Hello, ' + name;\n}\n";
export const GREET_AFTER = "export function greet(name: string): string {\n  return `Hello, ${name}!`;\n}\n";
const GREET_PATCH = "*** Begin Patch\n*** Update File: src/greet.ts\n@@\n-  return 'Hello, ' + name;\n+  return `Hello, ${name}!`;\n*** End Patch\n";

/** The text of `stream <n>`'s first `count` tokens: `w1 w2 ... w<count>`. */
export function streamText(count: number): string {
  return Array.from({ length: count }, (_, index) => `w${index + 1}`).join(' ');
}

/**
 * - after a tool result: `Tool said: <output>`
 * - `stream <n>`: the tokens `w1 ... w<n>`, each after `APP_STREAM_DELAY_MS` (abortable)
 * - `run <command>`: a shell call of that command (not read-only: the host asks for approval)
 * - `patch`: an apply_patch call on src/greet.ts
 * - anything else: `You said: <text>`
 */
export function appScript(request: GenerateRequest): readonly ScriptStep[] {
  const last = request.conversation.at(-1);
  if (last?.type === 'tool_result') return [{ type: 'text', text: `Tool said: ${last.output.trim()}` }];
  const user = [...request.conversation].reverse().find((item) => item.type === 'user');
  const text = user?.type === 'user' ? user.text : '';
  const stream = /^stream (\d+)$/.exec(text);
  if (stream !== null) {
    const steps: ScriptStep[] = [];
    for (let index = 1; index <= Number(stream[1]); index += 1) {
      steps.push({ type: 'delay', ms: APP_STREAM_DELAY_MS }, { type: 'text', text: index === 1 ? 'w1' : ` w${index}` });
    }
    return steps;
  }
  const run = /^run (.+)$/s.exec(text);
  if (run !== null) return [{ type: 'text', text: 'Running it.' }, { type: 'tool_call', name: 'shell', arguments: JSON.stringify({ command: run[1] }) }];
  if (text === 'patch') return [{ type: 'text', text: 'Editing greet.' }, { type: 'tool_call', name: 'apply_patch', arguments: GREET_PATCH, kind: 'custom' }];
  return [{ type: 'text', text: `You said: ${text}` }];
}
