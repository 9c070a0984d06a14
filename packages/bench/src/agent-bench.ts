import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Agent, WORKSPACE_TOOLS } from '@spark/agent';
import { connectResponses } from '@spark/client';
import { spawnServer } from './spawn-server.js';
import { fmt, median } from './stats.js';

const AGENT_SERVER = fileURLToPath(new URL('./agent-scripted-server.js', import.meta.url));
/** Tool calls in the fixed loop (the figure). */
export const AGENT_LOOP_CALLS = 20;
/** Lines per workspace file the loop reads (~4 KB of TypeScript each: a typical source file). */
const FILE_LINES = 100;

/**
 * The agent's view of the transport: a fixed scripted 20-call tool loop (read a file, send the
 * result, repeat), run end to end by the real agent against `spark serve` in a child process on
 * a zero-work engine. Wall time per loop over one WebSocket (only new items each step) versus
 * HTTP (the whole history each step), runs alternated so background load hits both.
 */
export async function benchAgent(options: { repeats: number }): Promise<void> {
  const workspace = await mkdtemp(join(tmpdir(), 'spark-agent-bench-'));
  await mkdir(join(workspace, 'src'));
  for (let file = 0; file < AGENT_LOOP_CALLS; file++) await writeFile(join(workspace, 'src', `file${file}.ts`), sourceFile(file));
  const server = await spawnServer([String(AGENT_LOOP_CALLS)], AGENT_SERVER);
  const times: Record<'websocket' | 'http', number[]> = { websocket: [], http: [] };
  const sent: Record<'websocket' | 'http', number> = { websocket: 0, http: 0 };
  try {
    const runs = Math.max(3, options.repeats) + 1;
    for (let run = 0; run < runs; run++) {
      for (const transport of run % 2 === 0 ? (['websocket', 'http'] as const) : (['http', 'websocket'] as const)) {
        const result = await runLoop(server.url, workspace, transport);
        if (run === 0) continue; // warm-up: JIT, connection pools, page cache
        times[transport].push(result.ms);
        sent[transport] = result.itemsSent;
      }
    }
  } finally {
    await server.stop();
    await rm(workspace, { recursive: true, force: true });
  }
  const ws = median(times.websocket);
  const http = median(times.http);
  const ratio = ws / http;
  console.log(`\n## Agent loop: ${AGENT_LOOP_CALLS} scripted tool calls (read_file of ~4 KB files), zero-work engine, server in a child process`);
  console.log('| transport | wall time per loop (median) | per step | items sent per loop |');
  console.log('|---|---|---|---|');
  console.log(`| WebSocket (new items only) | ${fmt(ws)} ms | ${fmt(ws / (AGENT_LOOP_CALLS + 1))} ms | ${sent.websocket} |`);
  console.log(`| HTTP (full history) | ${fmt(http)} ms | ${fmt(http / (AGENT_LOOP_CALLS + 1))} ms | ${sent.http} |`);
  console.log(`WebSocket / HTTP wall time: ${ratio.toFixed(3)} (goal <= 0.7: ${ratio <= 0.7 ? 'met' : 'MISSED'})`);
}

async function runLoop(url: string, workspace: string, transport: 'websocket' | 'http'): Promise<{ ms: number; itemsSent: number }> {
  const connection = await connectResponses({ baseUrl: `${url}/v1`, transport });
  try {
    const agent = new Agent({
      connection, model: 'scripted', workspace, instructions: 'You are a coding agent.', tools: WORKSPACE_TOOLS,
      contextWindow: 1 << 20, approval: 'auto-in-workspace',
    });
    let itemsSent = 0;
    let status = '';
    const started = performance.now();
    for await (const event of agent.run('Find where the options are parsed.')) {
      if (event.type === 'response.completed') itemsSent += event.stats.input_items_sent;
      if (event.type === 'turn.completed') status = `${event.status}/${event.steps}`;
    }
    const ms = performance.now() - started;
    if (status !== `completed/${AGENT_LOOP_CALLS + 1}`) throw new Error(`agent loop ended ${status}`);
    return { ms, itemsSent };
  } finally {
    await connection.close();
  }
}

function sourceFile(index: number): string {
  const lines = [`// src/file${index}.ts: option parsers, part ${index}`];
  for (let line = 1; line < FILE_LINES; line++) {
    lines.push(`export function option${index}_${line}(env: Record<string, string | undefined>): number { return Number(env['OPT_${line}'] ?? ${line}); }`);
  }
  return `${lines.join('\n')}\n`;
}
