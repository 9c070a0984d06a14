// Child-process entry for the TUI benchmark: a zero-work scripted engine that streams a long
// markdown answer (prose, lists, fenced code) at a fixed rate, then an end marker.
import { ScriptedEngine, type ScriptStep } from '@spark/engine';
import { startServer } from '@spark/server';

const tokens = Number(process.argv[2] ?? '20000');
const tokensPerSecond = Number(process.argv[3] ?? '1000');
/** Tokens per burst: timers cannot fire every millisecond reliably, so tokens come 10 at a time. */
const BURST = 10;

function answer(): ScriptStep[] {
  const words: string[] = [];
  for (let index = 0; words.length < tokens; index += 1) {
    const block = index % 6;
    if (block === 0) words.push('\n## Section', ` ${index}\n`);
    else if (block === 3) words.push('\n```ts\n', 'const', ' value', ` = compute(${index});`, ' //', ' note', '\n```\n');
    else for (let word = 0; word < 24; word += 1) words.push(word === 0 ? `\n- item ${index}:` : ` word${word}${word === 12 ? ' **bold**' : ''}`);
  }
  const steps: ScriptStep[] = [];
  const delay = (BURST * 1000) / tokensPerSecond;
  for (let start = 0; start < tokens; start += BURST) {
    steps.push({ type: 'delay', ms: delay }, { type: 'text', text: words.slice(start, start + BURST).join('') });
  }
  steps.push({ type: 'text', text: '\nEND-OF-STREAM' });
  return steps;
}

const steps = answer();
const engine = new ScriptedEngine({ models: ['scripted'], contextSize: 1 << 22, script: () => steps });
const server = await startServer({ engine, port: 0, dbPath: ':memory:' });
process.stderr.write(`spark serve: ${server.url}/v1 (models: scripted)\n`);
const stop = (): void => { void server.close().then(() => process.exit(0)); };
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
