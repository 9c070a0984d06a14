import { APP_TOKEN_QUERY, readHostLock } from '@spark/host';
import { serveCommand } from '../serve-command.js';
import { openBrowser } from './open-browser.js';

export const APP_USAGE = `Usage: spark app [options]          the browser app for this directory
  Starts the engine, the server and the agent host for this directory on a free loopback port,
  prints the app's URL (with this start's token, once) and opens the browser where there is one.
  When a spark serve or spark app already runs for this directory, opens that one instead.
  --no-open                  print the URL only
  --new                      start a second host even when one runs for this directory
  Every spark serve option works here too (--model, --upstream, --port, --host, ...).`;

export async function appCommand(argv: readonly string[], signal: AbortSignal): Promise<void> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${APP_USAGE}\n`);
    return;
  }
  const open = !argv.includes('--no-open');
  const fresh = argv.includes('--new');
  const rest = argv.filter((arg) => arg !== '--no-open' && arg !== '--new');
  if (!fresh) {
    const running = await readHostLock(process.cwd(), { signal });
    if (running !== undefined) {
      const appUrl = `${running.url}/?${APP_TOKEN_QUERY}=${running.token}`;
      process.stderr.write(`spark app: ${appUrl}\n  (the host already running for ${running.workspace}, pid ${running.pid}${rest.length > 0 ? '; the options given apply to a new start only: --new' : ''})\n`);
      if (open && openBrowser(appUrl) === undefined) process.stderr.write('  (no browser found here: open the URL above)\n');
      return;
    }
  }
  await serveCommand(rest, signal, { app: { open } });
}
