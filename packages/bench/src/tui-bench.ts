import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TmuxSession } from '@spark/cli/dist/testing/tmux.js';
import { processCpuMicros } from './process-cpu.js';
import { spawnServer, type SpawnedServer } from './spawn-server.js';
import { fmt, median } from './stats.js';

const STREAM_SERVER = fileURLToPath(new URL('./tui-stream-server.js', import.meta.url));
const CLI = fileURLToPath(new URL('../../cli/dist/main.js', import.meta.url));
const STREAM_TOKENS = 20_000;
const STREAM_RATE = 1000;
const FIRST_CHAR_RUNS = 5;

interface TraceEvent { event: string; t: number; ms?: number; ttft_ms?: number | null; frames?: number; bytesWritten?: number; renderMs?: number }

/**
 * The terminal UI's own cost: CPU time of the `spark` process (under tmux, a real terminal)
 * while it renders a 20,000-token scripted stream at 1000 tokens/s; and, on the real engine
 * with a warm conversation, the time from Enter to the first answer character drawn.
 */
export async function benchTui(options: { serverArgs: readonly string[]; quick: boolean }): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'spark-tui-bench-'));
  try {
    console.log('\n## Terminal UI (spark under tmux, 100x30)');
    await streamCost(dir, options.quick ? 5000 : STREAM_TOKENS);
    await firstCharacter(dir, options.serverArgs, options.quick ? 2 : FIRST_CHAR_RUNS);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function streamCost(dir: string, tokens: number): Promise<void> {
  const server = await spawnServer([String(tokens), String(STREAM_RATE)], STREAM_SERVER);
  const trace = join(dir, 'stream-trace.jsonl');
  const tmux = await startTui(server, dir, trace, 'scripted');
  try {
    const pid = await tmux.pid();
    const cpuBefore = processCpuMicros(pid);
    const started = performance.now();
    await tmux.type('stream');
    await tmux.keys('Enter');
    await tmux.waitFor(/END-OF-STREAM/, 120_000);
    // The status line turns 'ready' once the turn is done; CPU is read then.
    await tmux.waitFor(/ready/, 10_000);
    const wallMs = performance.now() - started;
    const cpuMs = (processCpuMicros(pid) - cpuBefore) / 1000;
    const events = await readTrace(trace);
    const done = events.find((event) => event.event === 'turn_completed');
    const response = events.find((event) => event.event === 'response');
    console.log(`stream: ${tokens} tokens at ${STREAM_RATE} tok/s in ${fmt(wallMs)} ms; TUI process CPU ${fmt(cpuMs)} ms = ` +
      `**${(cpuMs / wallMs * 100).toFixed(1)}% of one core** (goal: well under 100%); ${done?.frames ?? '?'} frames, ` +
      `${fmt((done?.bytesWritten ?? 0) / 1024)} KiB written, ${fmt(done?.renderMs ?? 0)} ms in the renderer; ${String((response as { output_tokens?: number } | undefined)?.output_tokens ?? '?')} tokens received`);
  } finally {
    await tmux.kill();
    await server.stop();
  }
}

async function firstCharacter(dir: string, serverArgs: readonly string[], runs: number): Promise<void> {
  const server = await spawnServer(serverArgs);
  const trace = join(dir, 'first-trace.jsonl');
  const tmux = await startTui(server, dir, trace);
  try {
    // Warm the conversation: the system prompt and tools are prefilled once.
    await ask(tmux, trace, 'Say hi.', 1);
    const draws: number[] = [];
    const ttfts: number[] = [];
    for (let run = 0; run < runs; run++) {
      const before = (await readTrace(trace)).length;
      await ask(tmux, trace, `Name one colour (${run}).`, run + 2);
      const events = (await readTrace(trace)).slice(before);
      const draw = events.find((event) => event.event === 'first_draw');
      const response = events.find((event) => event.event === 'response' && typeof event.ttft_ms === 'number');
      if (draw?.ms !== undefined) draws.push(draw.ms);
      if (typeof response?.ttft_ms === 'number') ttfts.push(response.ttft_ms);
    }
    console.log(`Enter -> first answer character drawn (real engine, warm conversation, median of ${draws.length}): ` +
      `**${fmt(median(draws))} ms**; the agent's TTFT for the same responses: ${fmt(median(ttfts))} ms (the rest is input handling and drawing)`);
  } finally {
    await tmux.kill();
    await server.stop();
  }
}

/** Sends `text` and waits until the TUI's trace shows `turns` finished turns. */
async function ask(tmux: TmuxSession, trace: string, text: string, turns: number): Promise<void> {
  await tmux.type(text);
  await tmux.keys('Enter');
  const deadline = Date.now() + 180_000;
  while ((await readTrace(trace)).filter((event) => event.event === 'turn_completed').length < turns) {
    if (Date.now() > deadline) throw new Error(`turn ${turns} did not finish:\n${await tmux.capture()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The TUI on `server` (its first model unless `model` is given). */
async function startTui(server: SpawnedServer, dir: string, trace: string, model?: string): Promise<TmuxSession> {
  const tmux = await TmuxSession.start([process.execPath, CLI, '--server', `${server.url}/v1`, '--approval', 'auto-in-workspace', ...(model === undefined ? [] : ['--model', model])], {
    cwd: dir, env: { SPARK_TUI_TRACE: trace, SPARK_DATA_DIR: join(dir, 'data'), SPARK_CONFIG: join(dir, 'none.json') }, columns: 100, rows: 30,
  });
  await tmux.waitFor(/ready/, 120_000);
  return tmux;
}

async function readTrace(file: string): Promise<TraceEvent[]> {
  try {
    return (await readFile(file, 'utf8')).trim().split('\n').filter(Boolean).map((line) => JSON.parse(line) as TraceEvent);
  } catch {
    return [];
  }
}
