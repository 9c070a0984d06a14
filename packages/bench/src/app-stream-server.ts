// Child-process entry for the app benchmark: the TUI benchmark's scripted markdown stream on a
// server with the agent host and the browser app mounted (as `spark app` mounts them) for the
// current directory. Prints the serve line and the app's URL with its token.
import { mountApp } from '@spark/cli/dist/app/mount-app.js';
import { ScriptedEngine } from '@spark/engine';
import { startServer } from '@spark/server';
import { markdownStreamSteps } from './markdown-stream-script.js';

const tokens = Number(process.argv[2] ?? '20000');
const tokensPerSecond = Number(process.argv[3] ?? '1000');

const steps = markdownStreamSteps(tokens, tokensPerSecond);
const engine = new ScriptedEngine({ models: ['scripted'], contextSize: 1 << 22, script: () => steps });
const server = await startServer({ engine, port: 0, dbPath: ':memory:' });
const app = await mountApp({ server, workspace: process.cwd(), approval: 'auto-in-workspace' });
if (!app.pages) process.stderr.write('warning: the browser app is not built (npm run build)\n');
process.stderr.write(`spark serve: ${server.url}/v1 (models: scripted)\nspark app: ${app.appUrl}\n`);
const stop = (): void => { void app.release().then(() => server.close()).then(() => process.exit(0)); };
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
