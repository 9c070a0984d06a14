import { spawn } from 'node:child_process';

/**
 * Opens `url` in the user's browser where one is likely: `$BROWSER`, else `open` on macOS,
 * `xdg-open` when a display is present. Never throws and never waits for the browser: a machine
 * without one (ssh, CI) just has the printed URL. Returns what it ran, or undefined.
 */
export function openBrowser(url: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const browser = env['BROWSER']?.trim();
  let command: string | undefined;
  let args: string[] = [url];
  if (browser !== undefined && browser !== '') {
    // $BROWSER may list several, colon-separated; the first is tried, with %s replaced as in sensible-browser.
    const first = browser.split(':')[0] ?? browser;
    const parts = first.split(/\s+/).filter(Boolean);
    command = parts[0];
    const rest = parts.slice(1);
    args = rest.some((part) => part.includes('%s')) ? rest.map((part) => part.replace('%s', url)) : [...rest, url];
  } else if (process.platform === 'darwin') {
    command = 'open';
  } else if (process.platform === 'win32') {
    command = 'explorer.exe';
  } else if ((env['DISPLAY'] ?? '') !== '' || (env['WAYLAND_DISPLAY'] ?? '') !== '') {
    command = 'xdg-open';
  }
  if (command === undefined) return undefined;
  try {
    const child = spawn(command, args, { stdio: 'ignore', detached: true, env });
    child.on('error', () => undefined);
    child.unref();
    return command;
  } catch {
    return undefined;
  }
}
