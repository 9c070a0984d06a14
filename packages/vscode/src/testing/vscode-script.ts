// The scripted model of the extension's end-to-end test: the browser app's script for the chat
// (`stream <n>` and friends), plus a known rewrite for Edit Selection and a readable answer for
// the README's screenshot.
import type { GenerateRequest, ScriptStep } from '@spark/engine';
import { appScript } from '@spark/cli/dist/testing/app-script.js';

/** The instruction the scripted engine answers with a rewrite: every `return x;` becomes `return Math.round(x);`. */
export const ROUND_INSTRUCTION = 'Round the result';
/** Pause between the lines of a rewrite, so the diff visibly streams in. */
export const REWRITE_LINE_DELAY_MS = 60;

/** The workspace file the edits work on: two functions, three lines each. */
export const MATH_FILE = [
  'export function sum(a: number, b: number): number {',
  '  return a + b;',
  '}',
  '',
  'export function product(a: number, b: number): number {',
  '  return a * b;',
  '}',
  '',
].join('\n');

/** The rewrite of the scripted engine, which the test expects on disk after Accept. */
export function roundReturns(selection: string): string {
  return selection.replace(/return (.+);/g, 'return Math.round($1);');
}

/** The question the README's screenshot asks, and its scripted answer. */
export const EXPLAIN_QUESTION = 'What does sum do?';
const EXPLAIN_ANSWER = [
  '`sum(a, b)` in **src/math.ts** adds its two arguments and returns the result:',
  '',
  '```ts',
  'sum(2, 3); // 5',
  '```',
  '',
  'It has no side effects; `product` next to it multiplies instead.',
].join('\n');

/**
 * A note the agent adds as a user message (`[harness] The user undid your patch ...`): the
 * script answers the user's own last message, as the browser app's script does in a thread
 * without notes.
 */
function isHarnessNote(item: GenerateRequest['conversation'][number]): boolean {
  return item.type === 'user' && item.text.startsWith('[harness]');
}

function userText(request: GenerateRequest): string {
  const user = [...request.conversation].reverse().find((item) => item.type === 'user' && !isHarnessNote(item));
  return user?.type === 'user' ? user.text : '';
}

/** Text steps of `text`, a word at a time with `delayMs` before each. */
function streamed(text: string, delayMs: number): ScriptStep[] {
  return text.split(/(?<=\s)/).flatMap((word) => [{ type: 'delay', ms: delayMs }, { type: 'text', text: word }] satisfies ScriptStep[]);
}

export function vscodeScript(request: GenerateRequest): readonly ScriptStep[] {
  const text = userText(request);
  const edit = /<selection[^>]*>\n([\s\S]*)\n<\/selection>\n<instruction>\n([\s\S]*)\n<\/instruction>/.exec(text);
  if (edit !== null && edit[2] === ROUND_INSTRUCTION) {
    const rewrite = roundReturns(edit[1] ?? '');
    return rewrite.split(/(?<=\n)/).flatMap((line) => [{ type: 'delay', ms: REWRITE_LINE_DELAY_MS }, { type: 'text', text: line }] satisfies ScriptStep[]);
  }
  if (text === EXPLAIN_QUESTION) return streamed(EXPLAIN_ANSWER, 15);
  return appScript({ ...request, conversation: request.conversation.filter((item) => !isHarnessNote(item)) });
}
