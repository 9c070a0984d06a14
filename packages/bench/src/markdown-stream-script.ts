import type { ScriptStep } from '@spark/engine';

/** Tokens per burst: timers cannot fire every millisecond reliably, so tokens come 10 at a time. */
export const MARKDOWN_STREAM_BURST = 10;
/** The last words of every markdown stream: a client waits for it to know the stream is all drawn. */
export const END_OF_STREAM = 'END-OF-STREAM';

/**
 * A zero-work scripted answer for the UI benchmarks: `tokens` words of markdown (headings, list
 * items with bold text, fenced code) at `tokensPerSecond`, then `END_OF_STREAM` on its own line.
 */
export function markdownStreamSteps(tokens: number, tokensPerSecond: number): ScriptStep[] {
  const words: string[] = [];
  for (let index = 0; words.length < tokens; index += 1) {
    const block = index % 6;
    if (block === 0) words.push('\n## Section', ` ${index}\n`);
    else if (block === 3) words.push('\n```ts\n', 'const', ' value', ` = compute(${index});`, ' //', ' note', '\n```\n');
    else for (let word = 0; word < 24; word += 1) words.push(word === 0 ? `\n- item ${index}:` : ` word${word}${word === 12 ? ' **bold**' : ''}`);
  }
  const steps: ScriptStep[] = [];
  const delay = (MARKDOWN_STREAM_BURST * 1000) / tokensPerSecond;
  for (let start = 0; start < tokens; start += MARKDOWN_STREAM_BURST) {
    steps.push({ type: 'delay', ms: delay }, { type: 'text', text: words.slice(start, start + MARKDOWN_STREAM_BURST).join('') });
  }
  steps.push({ type: 'text', text: `\n${END_OF_STREAM}` });
  return steps;
}

/** The whole text a script streams. */
export function scriptText(steps: readonly ScriptStep[]): string {
  return steps.map((step) => (step.type === 'text' ? step.text : '')).join('');
}
