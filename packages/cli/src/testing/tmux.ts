import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** How often `waitFor` looks at the pane. */
const POLL_MS = 25;

/**
 * A program running in a detached tmux pane on a private tmux server (its own socket, so tests
 * never touch a user's sessions): keys go in with send-keys, the screen comes out with
 * capture-pane, exactly as a person at a terminal would see it.
 */
export class TmuxSession {
  private constructor(private readonly socket: string, readonly name: string) {}

  static async start(command: readonly string[], options: { cwd: string; env?: Record<string, string>; columns?: number; rows?: number }): Promise<TmuxSession> {
    const socket = `spark-test-${randomBytes(4).toString('hex')}`;
    const session = new TmuxSession(socket, 'main');
    const env = Object.entries(options.env ?? {}).flatMap(([key, value]) => ['-e', `${key}=${value}`]);
    await run('tmux', [
      '-L', socket, '-f', '/dev/null', 'new-session', '-d', '-s', 'main', '-x', String(options.columns ?? 100), '-y', String(options.rows ?? 30),
      '-c', options.cwd, ...env, ...command,
    ], { env: { ...process.env, TERM: 'xterm-256color' } });
    // Keep the pane after the program exits, so a crash stays readable.
    await run('tmux', ['-L', socket, 'set-option', '-t', 'main', 'remain-on-exit', 'on']);
    return session;
  }

  /** Keys by tmux name: 'Enter', 'Escape', 'Tab', 'Up', 'C-c', ... */
  async keys(...keys: string[]): Promise<void> {
    await run('tmux', ['-L', this.socket, 'send-keys', '-t', this.name, ...keys]);
  }

  /** Literal text (no key-name lookup). */
  async type(text: string): Promise<void> {
    await run('tmux', ['-L', this.socket, 'send-keys', '-t', this.name, '-l', text]);
  }

  /** The visible screen plus `history` lines of scrollback, as plain text. */
  async capture(history = 2000): Promise<string> {
    const { stdout } = await run('tmux', ['-L', this.socket, 'capture-pane', '-p', '-J', '-t', this.name, '-S', `-${history}`]);
    return stdout;
  }

  /** The pid of the program in the pane. */
  async pid(): Promise<number> {
    const { stdout } = await run('tmux', ['-L', this.socket, 'display-message', '-p', '-t', this.name, '#{pane_pid}']);
    return Number(stdout.trim());
  }

  async dead(): Promise<boolean> {
    const { stdout } = await run('tmux', ['-L', this.socket, 'display-message', '-p', '-t', this.name, '#{pane_dead}']);
    return stdout.trim() === '1';
  }

  /** Polls the screen until `test` holds; the deadline only stops a hung test. */
  async waitFor(test: RegExp | ((screen: string) => boolean), timeoutMs = 20_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    let screen = '';
    while (Date.now() < deadline) {
      screen = await this.capture();
      if (typeof test === 'function' ? test(screen) : test.test(screen)) return screen;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
    throw new Error(`timed out waiting for ${String(test)}; screen:\n${screen}`);
  }

  async kill(): Promise<void> {
    await run('tmux', ['-L', this.socket, 'kill-server']).catch(() => undefined);
  }
}
