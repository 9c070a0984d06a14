// Child-process entry for the network bench: `spark serve`'s transports over TLS (the cert and key
// files in argv) on a zero-work scripted engine. The last user text is the number of tokens to
// stream (" ok" each). Prints the same ready line as the CLI, with its https URL.
import { readFileSync } from 'node:fs';
import { ScriptedEngine } from '@spark/engine';
import { startServer } from '@spark/server';

const [certPath = '', keyPath = ''] = process.argv.slice(2);
const engine = new ScriptedEngine({
  models: ['scripted'],
  contextSize: 1 << 24,
  script: (request) => {
    const user = [...request.conversation].reverse().find((item) => item.type === 'user');
    const tokens = Math.max(1, Number(user?.type === 'user' ? user.text : '1') || 1);
    return [{ type: 'text', text: Array.from({ length: tokens }, (_, i) => (i === 0 ? 'ok' : ' ok')).join('') }];
  },
});
const server = await startServer({
  engine, port: 0, dbPath: ':memory:', apiKeys: ['bench'],
  tls: { cert: readFileSync(certPath, 'utf8'), key: readFileSync(keyPath, 'utf8') },
});
process.stderr.write(`spark serve: ${server.url}/v1 (models: scripted)\n`);
const stop = (): void => { void server.close().then(() => process.exit(0)); };
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
