// Child-process entry: `spark serve`'s transports on a zero-work scripted engine, so a benchmark
// measures the gateway alone. Prints the same ready line as the CLI.
import { ScriptedEngine } from '@spark/engine';
import { startServer } from '@spark/server';

const tokens = Number(process.argv[2] ?? '1');
const text = Array.from({ length: tokens }, (_, i) => (i === 0 ? 'ok' : ' ok')).join('');
const engine = new ScriptedEngine({ models: ['scripted'], contextSize: 1 << 20, script: () => [{ type: 'text', text }] });
const server = await startServer({ engine, port: 0, dbPath: ':memory:' });
process.stderr.write(`spark serve: ${server.url}/v1 (models: scripted)\n`);
const stop = (): void => { void server.close().then(() => process.exit(0)); };
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
