import { submitAndCollect, type HistoryItem } from '@spark/agent';
import { APP_TOKEN_QUERY, connectHost, readHostLock, RemoteThread, type HostClient, type HostLock } from '@spark/host';
import { CliError } from '../cli-error.js';
import { style } from '../tui/ansi.js';
import { MarkdownRenderer } from '../tui/markdown-renderer.js';
import { BACKGROUND_HELP, backgroundCommand } from './background-commands.js';
import { TuiApp, type TuiHost } from './tui-app.js';

/** Most history items printed when the TUI attaches to a thread (the latest ones). */
export const ATTACH_HISTORY_ITEMS = 200;

export interface AttachOptions {
  /** The host's URL with `?token=` (what `spark app` printed); undefined: this directory's lock file. */
  url?: string;
  /** Continue this thread; undefined: the host's most recently updated one (a new one when it has none). */
  thread?: string;
  /** Start a new thread even when the host has some. */
  newThread?: boolean;
}

const HELP = [
  'Enter  send; while the agent works: steer it    Tab  queue    Esc  stop',
  '/threads  this host\'s threads     /resume <id>  continue one     /new  a new thread',
  'Turns started in the browser (or another terminal) on this thread show here as they stream.',
  '/model [id]  list or switch models    /undo    /compact    /status    /quit',
  ...BACKGROUND_HELP,
];

/**
 * `spark --attach [URL]`: the terminal UI on a thread of a running agent host (`spark app` or
 * `spark serve` of this workspace): the agent runs there, so the browser and the terminal see
 * and drive the same thread.
 */
export async function attachCommand(options: AttachOptions, signal: AbortSignal): Promise<void> {
  if (process.stdin.isTTY !== true || process.stdout.isTTY !== true) throw new CliError('spark --attach needs a terminal');
  const target = await resolveTarget(options.url, signal);
  let client: HostClient;
  try {
    client = await connectHost(target.url, target.token, { signal });
  } catch (error) {
    throw new CliError(`spark --attach: cannot reach the agent host at ${target.url}: ${error instanceof Error ? error.message : String(error)}`);
  }
  try {
    // Attaching is joining the work in progress: like `opencode --continue` / `codex resume --last`,
    // the latest thread unless one is named or a new one is asked for.
    const latest = options.thread === undefined && options.newThread !== true
      ? (await client.request('threads.list', {}, { signal })).threads[0]
      : undefined;
    const threadId = options.thread ?? latest?.thread_id;
    let thread = threadId === undefined ? await RemoteThread.start(client) : await RemoteThread.attach(client, threadId);
    // Switches the terminal to `next`: its history, its running turn so far, then its live events.
    const switchTo = (next: RemoteThread, app: TuiApp, note: string): void => {
      const previous = thread;
      thread = next;
      app.print([style.dim(note), ...historyLines(next.attached.history)]);
      app.follow(next, next.attached.events);
      if (previous !== next) void previous.detach();
    };
    const host: TuiHost = {
      agent: () => thread,
      ready: () => Promise.resolve(),
      describe: () => ({ model: thread.model, engine: `host ${new URL(target.url).host}`, transport: 'host', sessionId: thread.threadId }),
      command: async (name, args, app) => {
        switch (name) {
          case 'help': case '?': return HELP.map((line) => style.dim(line));
          case 'quit': case 'exit': case 'q': return 'exit';
          case 'status': return [
            `host       ${target.url} (${client.hello.workspace})`,
            `thread     ${thread.threadId}`,
            `model      ${thread.model}`,
            `context    ~${thread.contextTokens} of ${thread.contextWindow} tokens, ${thread.items.length} items`,
          ];
          case 'threads': case 'resume': {
            if (args === '') {
              const { threads } = await client.request('threads.list', {});
              return threads.length === 0 ? ['no threads'] : threads.slice(0, 15).map((each) => `${each.thread_id === thread.threadId ? '● ' : '  '}${each.thread_id}  ${style.dim(`${each.state} · ${each.title}`)}`);
            }
            switchTo(await RemoteThread.attach(client, args), app, `attached to ${args}`);
            return [];
          }
          case 'new': {
            const next = await RemoteThread.start(client, { model: thread.model });
            switchTo(next, app, `new thread ${next.threadId}`);
            return [];
          }
          case 'model': {
            if (args === '') {
              const { models } = await client.request('models.list', {});
              return models.map((model) => `${model.id === thread.model ? '● ' : '  '}${model.id}`);
            }
            await thread.submit({ type: 'set_model', model: args });
            return [style.dim(`model: ${args}`)];
          }
          case 'undo': {
            // The restored files show as the thread's patch.undone event, as for an undo from the browser.
            const events = await submitAndCollect(thread, { type: 'undo' });
            return events.some((event) => event.type === 'patch.undone') ? [] : [style.dim('nothing to undo')];
          }
          case 'bg': case 'agents': return backgroundCommand(name, args, thread, app);
          case 'compact':
            await thread.submit({ type: 'compact' });
            return [style.dim('compacted')];
          default:
            return [style.red(`unknown command /${name} (try /help)`)];
        }
      },
    };
    const app = new TuiApp(host, { input: process.stdin, output: process.stdout });
    const which = latest !== undefined
      ? `continuing the latest thread ${thread.threadId}${latest.title === '' ? '' : ` (${latest.title})`}; /new starts a new one, /threads lists the others`
      : options.thread === undefined ? 'a new thread; /threads lists the others, /resume <id> continues one' : undefined;
    app.print([
      `${style.bold('spark')} ${style.dim(`· attached to ${target.url} · ${client.hello.workspace} · thread ${thread.threadId} · ${thread.model}`)}`,
      ...historyLines(thread.attached.history),
      ...(which === undefined ? [] : [style.dim(which)]),
    ]);
    // In the same tick as the history above: every later event of the thread is drawn, once.
    app.follow(thread, thread.attached.events);
    const onAbort = (): void => { thread.submit({ type: 'interrupt' }).catch(() => undefined); };
    signal.addEventListener('abort', onAbort);
    try {
      await app.run([]);
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  } finally {
    client.close();
  }
}

/** The host's base URL and token: from the URL given (its `?token=`), else this directory's lock file. */
async function resolveTarget(url: string | undefined, signal: AbortSignal): Promise<{ url: string; token: string }> {
  let lock: HostLock | undefined;
  if (url === undefined) {
    lock = await readHostLock(process.cwd(), { signal });
    if (lock === undefined) throw new CliError('spark --attach: no spark app or spark serve runs for this directory; start one, or pass the URL it printed');
    return { url: lock.url, token: lock.token };
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new CliError(`spark --attach: '${url}' is not a URL (give the one spark app printed)`);
  }
  const token = parsed.searchParams.get(APP_TOKEN_QUERY) ?? undefined;
  const base = parsed.origin;
  if (token !== undefined && token !== '') return { url: base, token };
  // The URL without its token: this directory's host may be the same one.
  lock = await readHostLock(process.cwd(), { signal });
  if (lock !== undefined && new URL(lock.url).origin === base) return { url: base, token: lock.token };
  throw new CliError(`spark --attach: the URL needs the token (?${APP_TOKEN_QUERY}=...) that spark app printed`);
}

/** The thread so far, as the terminal shows a conversation: the latest items. */
function historyLines(items: readonly HistoryItem[]): string[] {
  const lines: string[] = [];
  const shown = items.slice(-ATTACH_HISTORY_ITEMS);
  if (shown.length < items.length) lines.push(style.dim(`… ${items.length - shown.length} earlier items`));
  for (const item of shown) {
    switch (item.type) {
      case 'message': {
        if (item.role === 'user') lines.push(style.bold(style.cyan('› ')) + item.content);
        else if (item.role === 'assistant') {
          const markdown = new MarkdownRenderer();
          lines.push(...item.content.split('\n').map((line) => markdown.renderLine(line)));
        }
        break;
      }
      case 'function_call':
        lines.push(`${style.magenta('●')} ${style.bold(item.name)} ${style.dim(item.arguments.slice(0, 120))}`);
        break;
      case 'custom_tool_call':
        lines.push(`${style.magenta('●')} ${style.bold(item.name)}`);
        break;
      default:
        break;
    }
  }
  return lines;
}
