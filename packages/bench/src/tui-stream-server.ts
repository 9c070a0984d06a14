// Child-process entry for the TUI benchmark: a zero-work scripted engine that streams a long
// markdown answer (prose, lists, fenced code) at a fixed rate, then an end marker.
import { ScriptedEngine } from '@spark/engine';
import { startServer } from '@spark/server';
import { markdownStreamSteps } from './markdown-stream-script.js';

const tokens = Number(process.argv[2] ?? '20000');
const tokensPerSecond = Number(process.argv[3] ?? '1000');

const steps = markdownStreamSteps(tokens, tokensPerSecond);
const engine = new ScriptedEngine({ models: ['scripted'], contextSize: 1 << 22, script: () => steps });
const server = await startServer({ engine, port: 0, dbPath: ':memory:' });
process.stderr.write(`spark serve: ${server.url}/v1 (models: scripted)\n`);
const stop = (): void => { void server.close().then(() => process.exit(0)); };
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
