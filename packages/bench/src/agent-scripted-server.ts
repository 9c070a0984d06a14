// Child-process entry for the agent benchmark: `spark serve`'s transports on a zero-work scripted
// engine that plays a fixed tool loop (read src/file<k>.ts for k = 0..calls-1, then answer), so
// the benchmark measures the agent's round trips alone. Prints the same ready line as the CLI.
import { ScriptedEngine } from '@spark/engine';
import { startServer } from '@spark/server';

const calls = Number(process.argv[2] ?? '20');
const engine = new ScriptedEngine({
  models: ['scripted'],
  contextSize: 1 << 22,
  script: (request) => {
    const done = request.conversation.filter((item) => item.type === 'tool_result').length;
    if (done >= calls) return [{ type: 'text', text: `Read ${calls} files; the option parser is in src/file3.ts.` }];
    return [{ type: 'tool_call', name: 'read_file', arguments: JSON.stringify({ path: `src/file${done}.ts`, offset: 0, limit: 0 }) }];
  },
});
const server = await startServer({ engine, port: 0, dbPath: ':memory:' });
process.stderr.write(`spark serve: ${server.url}/v1 (models: scripted)\n`);
const stop = (): void => { void server.close().then(() => process.exit(0)); };
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
