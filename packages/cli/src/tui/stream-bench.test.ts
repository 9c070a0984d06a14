// Micro-benchmark: a 20,000-token answer streamed through MarkdownRenderer + LiveRegion the way
// the app drives them (settled lines committed, the partial line previewed on every token).
// Asserts correctness only; the timings are printed as diagnostics.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ansiStyle } from './ansi.js';
import { LineEditor } from './line-editor.js';
import { LiveRegion, type LiveContent } from './live-region.js';
import { MarkdownRenderer } from './markdown-renderer.js';
import { formatStatusLine } from './status-line.js';
import { ManualScheduler } from './testing/manual-scheduler.js';
import { VirtualTerminal } from './testing/virtual-terminal.js';
import { stripAnsi, wrapAnsi } from './text-width.js';

const TOKENS = 20_000;
const COLUMNS = 100;
const ROWS = 40;

/** A deterministic Markdown answer cut into `count` tokens of 1-6 characters. */
function answerTokens(count: number): string[] {
  const blocks = [
    '## Plan\n',
    'We will **refactor** the `parser` so that it handles *streaming* input, see [the docs](https://example.com/docs).\n',
    '- first, read the file\n- then update `parse()` to keep state\n  - nested: handle `\\r\\n`\n',
    '```ts\nexport function parse(input: string): Token[] {\n  const out: Token[] = []; // result\n  for (const ch of input) out.push({ ch, n: 42 });\n  return out;\n}\n```\n',
    '| file | change |\n|---|---|\n| a.ts | **new** |\n',
    '> Note: this keeps the old behaviour for 日本語 text and emoji 👍.\n',
    '1. Run `npm test`\n2. Check the ~~old~~ new output\n\n',
  ];
  const tokens: string[] = [];
  let seed = 42;
  let block = 0;
  let text = '';
  while (tokens.length < count) {
    if (text === '') { text = blocks[block % blocks.length] ?? ''; block++; }
    seed = (seed * 1103515245 + 12345) % 2147483648;
    const n = 1 + (seed % 6);
    tokens.push(text.slice(0, n));
    text = text.slice(n);
  }
  return tokens;
}

class CountingOut {
  readonly columns = COLUMNS;
  readonly rows = ROWS;
  readonly chunks: string[] = [];
  write(chunk: string): boolean {
    this.chunks.push(chunk);
    return true;
  }
}

/** Streams the tokens the way the app does; `lazy` builds the live rows only on frames. */
function stream(tokens: readonly string[], lazy: boolean): { out: CountingOut; region: LiveRegion; committed: number; elapsed: number } {
  const out = new CountingOut();
  const clock = new ManualScheduler();
  // Real clock for frame costs (and the adaptive interval); the fake scheduler fires frames as
  // the simulated stream advances by 1 ms per token.
  const region = new LiveRegion(out, { now: () => performance.now(), schedule: clock.schedule });
  const md = new MarkdownRenderer({ style: ansiStyle, width: COLUMNS });
  const editor = new LineEditor();
  editor.set('steer the model here');
  let partial = '';
  let committed = 0;
  const liveContent = (columns: number): LiveContent => {
    const input = editor.render(ansiStyle.cyan('› '), columns);
    const status = formatStatusLine({ model: 'qwen3-coder', engine: 'llama.cpp', transport: 'websocket', tokensPerSecond: 1000, contextTokens: committed * 12, contextWindow: 131072, state: 'working' }, columns, ansiStyle);
    const tail = partial === '' ? [] : [md.previewLine(partial)];
    return { rows: [...tail, ...input.rows, status], cursor: { row: tail.length + input.cursorRow, col: input.cursorCol } };
  };
  if (lazy) region.setLiveRenderer(liveContent);
  const started = performance.now();
  for (const token of tokens) {
    const text = partial + token;
    const lines = text.split('\n');
    partial = lines.pop() ?? '';
    if (lines.length > 0) { region.commit(lines.map((line) => md.renderLine(line))); committed += lines.length; }
    if (lazy) region.invalidate();
    else { const content = liveContent(COLUMNS); region.setLive(content.rows, content.cursor); }
    clock.advance(1); // 1000 tokens per second
  }
  if (partial !== '') { region.commit([md.renderLine(partial)]); committed++; }
  region.setLive([]);
  region.flush();
  return { out, region, committed, elapsed: performance.now() - started };
}

void describe('streaming benchmark', () => {
  const tokens = answerTokens(TOKENS);
  const text = tokens.join('');
  const reference = new MarkdownRenderer({ style: ansiStyle, width: COLUMNS });
  const expected = text.replace(/\n$/, '').split('\n')
    .flatMap((line) => wrapAnsi(reference.renderLine(line), COLUMNS, { wordWrap: true }).map((row) => stripAnsi(row).trimEnd()));
  while (expected.length > 0 && expected[expected.length - 1] === '') expected.pop();

  for (const lazy of [false, true]) {
    const how = lazy ? 'setLiveRenderer + invalidate per token' : 'setLive per token';
    void it(`streams ${TOKENS} tokens through MarkdownRenderer + LiveRegion at 1000 tokens/s (${how})`, (t) => {
      const { out, region, committed, elapsed } = stream(tokens, lazy);
      const stats = region.stats;
      t.diagnostic(`${how}: ${TOKENS} tokens, ${committed} lines: ${elapsed.toFixed(1)} ms wall (${((elapsed * 1000) / TOKENS).toFixed(2)} µs/token), ${stats.frames} frames (${stats.skippedFrames} skipped), ${(stats.bytesWritten / 1024).toFixed(0)} KiB written, ${stats.renderMs.toFixed(1)} ms in frames`);
      // Correctness: replaying the writes on a terminal shows every line once, in order.
      assert.ok(stats.frames < TOKENS / 5, `frames coalesce (${stats.frames})`);
      assert.equal(committed, text.split('\n').length - (text.endsWith('\n') ? 1 : 0));
      const vt = new VirtualTerminal(COLUMNS, ROWS);
      for (const chunk of out.chunks) vt.write(chunk);
      assert.equal(vt.syncDepth, 0);
      assert.deepEqual(vt.allText(), expected);
    });
  }
});
