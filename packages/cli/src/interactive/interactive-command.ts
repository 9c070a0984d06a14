import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { parseArgs } from 'node:util';
import {
  defaultSessionDir, describeShellConfinement, listSessions, openAgent, submitAndCollect, type Agent, type AgentHandle, type OpenAgentOptions, type OpenedAgent,
} from '@spark/agent';
import { DEFAULT_MODEL_ALIAS } from '@spark/engine-llama';
import { CliError } from '../cli-error.js';
import { intOption, parseApproval, parseSandbox, parseTransport } from '../cli-options.js';
import { startLocalServer, type LocalServer } from '../local-server.js';
import type { ProviderStatus } from '../upstream-catalog.js';
import { providerOf } from '../upstream-engines.js';
import { style } from '../tui/ansi.js';
import { renderUnifiedDiff, unifiedDiff } from '../tui/diff-renderer.js';
import { configPath, loadConfig, withEnv } from './spark-config.js';
import { attachCommand } from './attach-command.js';
import { BACKGROUND_HELP, backgroundCommand } from './background-commands.js';
import { TuiApp, type TuiHost } from './tui-app.js';

const run = promisify(execFile);

export const INTERACTIVE_USAGE = `Usage: spark [options]              the interactive coding agent in this directory
  --model <id|alias|path>    model (default ${DEFAULT_MODEL_ALIAS}, pulled on first use); <provider>/<model>
                             runs on that upstream (e.g. cerebras/<model> with CEREBRAS_API_KEY set).
                             /model switches between the local model and the "upstreams" of the config
                             file (connected in the background) or a preset (connected when chosen)
  --server <url>             a Responses endpoint instead of the embedded engine
  --api-key <key>            key for --server
  --approval <mode>          ask (default) | auto-in-workspace | never-ask
  --allow-tests              let the agent run tests and slow checks this session
  --allow-network            let commands use the network
  --sandbox <auto|off>       auto (default): auto-in-workspace commands run in bubblewrap (workspace
                             and a private /tmp writable, network off unless allowed); off: they ask
                             before writing
  --transport <t>            auto | websocket | http
  --resume [id]              continue the last (or a given) session
  --attach [url]             run on the agent host of a running spark app / spark serve: the URL it
                             printed (with ?token=), or without one this directory's running host;
                             the browser and this terminal then share threads
  --thread <id>              with --attach: continue that thread (default: the host's most recently
                             updated thread, or a new one when it has none)
  --new-thread               with --attach: start a new thread instead
  --ctx <tokens>             context size of the embedded engine
  --deep-model <id>          dual mode: the model background agents run (config "deepModel"); /bg <task>
                             hands a task over, and the agent may delegate by itself
  --offline                  never contact the model hub
Config: ${'${XDG_CONFIG_HOME:-~/.config}'}/spark/config.json (or SPARK_CONFIG): {"model", "server", "apiKey",
  "approval", "allowTests", "allowNetwork", "sandbox", "loopGuard",
  "checkPatchesWhileStreaming", "transport", "ctx"}. Env (over the file): SPARK_MODEL,
  SPARK_SERVER_URL, SPARK_API_KEY, SPARK_APPROVAL; also SPARK_PORT, SPARK_DATA_DIR, SPARK_CACHE_DIR, NO_COLOR.`;

const HELP = [
  'Enter  send; while the agent works: steer it now (applied at its next token)',
  'Tab    while the agent works: queue the message for after this turn',
  'Esc    stop the agent at once (the partial answer stays)',
  'Up/Down  edit queued messages: Enter saves, Ctrl-X removes, Ctrl-S sends it as a steer now, Esc cancels',
  'Ctrl-C stop / clear / quit    Ctrl-D quit',
  '/status  model, server, session, context, last TTFT and tok/s',
  '/model [id]  list the models (local, then <provider>/<model>) or switch: same session, history kept',
  '/new  start a new session           /resume [id]  list or resume sessions',
  '/fork [turn]  fork this session (at a turn)   /compact  summarise older turns now',
  '/undo  restore the files of the last patch    /diff  show changes (git diff, or patches this session)',
  ...BACKGROUND_HELP,
  '/init  write AGENTS.md for this project       /help  this help      /quit  exit',
];

const INIT_PROMPT = 'Create an AGENTS.md file at the root of this repository for coding agents: explore it briefly (list_dir, read the README and the build files), then write concise sections: project overview, layout, how to build, how to run tests (do not run them), code style and conventions. Keep it under 60 lines. Use apply_patch to add the file.';

export async function interactiveCommand(argv: readonly string[], signal: AbortSignal): Promise<void> {
  const at = argv.indexOf('--attach');
  if (at >= 0) {
    // `--attach` takes an optional URL, which parseArgs cannot express.
    const next = argv[at + 1];
    const url = next !== undefined && !next.startsWith('-') ? next : undefined;
    const rest = argv.filter((_, index) => index !== at && !(url !== undefined && index === at + 1));
    const { values: attach } = parseArgs({ args: rest, options: { thread: { type: 'string' }, 'new-thread': { type: 'boolean' } } });
    if (attach.thread !== undefined && attach['new-thread'] === true) throw new CliError('spark --attach: give --thread <id> or --new-thread, not both');
    await attachCommand({
      ...(url === undefined ? {} : { url }), ...(attach.thread === undefined ? {} : { thread: attach.thread }), newThread: attach['new-thread'] === true,
    }, signal);
    return;
  }
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      model: { type: 'string' }, 'deep-model': { type: 'string' }, server: { type: 'string' }, 'api-key': { type: 'string' }, approval: { type: 'string' },
      'allow-tests': { type: 'boolean' }, 'allow-network': { type: 'boolean' }, sandbox: { type: 'string' }, transport: { type: 'string' },
      resume: { type: 'boolean' }, ctx: { type: 'string' }, offline: { type: 'boolean' },
    },
  });
  if (process.stdin.isTTY !== true || process.stdout.isTTY !== true) {
    throw new CliError('spark needs a terminal; for scripts use spark exec "task" (see spark help)');
  }
  const config = withEnv(await loadConfig());
  const approval = parseApproval(values.approval ?? config.approval ?? 'ask');
  const transport = parseTransport(values.transport ?? config.transport ?? 'auto');
  const sandbox = parseSandbox(values.sandbox ?? config.sandbox ?? 'auto');
  const ctx = intOption('ctx', values.ctx) ?? config.ctx;
  const workspace = process.cwd();
  const serverUrl = values.server ?? config.server;
  let model = values.model ?? config.model;

  let local: LocalServer | undefined;
  let baseUrl = serverUrl;
  if (baseUrl === undefined) {
    local = await startLocalServer({
      ...(model === undefined ? {} : { model }), signal, ...(values.offline ? { offline: true } : {}),
      ...(ctx === undefined ? {} : { contextSize: ctx }), probePort: Number(process.env['SPARK_PORT'] ?? 8000),
      ...(config.upstreams ? { upstreams: config.upstreams } : {}),
    });
    baseUrl = local.baseUrl;
    model = local.model;
  }
  const apiKey = values['api-key'] ?? config.apiKey ?? process.env['OPENAI_API_KEY'];
  // The config file's providers connect while the user types; /model waits for them.
  const upstreamsReady: Promise<ProviderStatus[]> = local?.catalog?.openConfigured(signal) ?? Promise.resolve([]);
  const server = local;
  const engineOf = (id: string): string => (server === undefined ? new URL(baseUrl).host : server.engineOf(id));

  const deepModel = values['deep-model'] ?? config.deepModel;
  const base: OpenAgentOptions = {
    baseUrl, workspace, approval, transport, signal,
    testsAllowed: values['allow-tests'] ?? config.allowTests ?? false,
    networkAllowed: values['allow-network'] ?? config.allowNetwork ?? false, sandbox,
    ...(config.loopGuard === false ? { loopGuard: false } : {}),
    ...(config.checkPatchesWhileStreaming === false ? { checkPatchesWhileStreaming: false } : {}),
    ...(deepModel === undefined ? {} : { deepModel }),
    // The app answers approval.requested events with the approval op.
    approve: 'op',
    ...(apiKey === undefined ? {} : { apiKey }),
  };
  let opened: OpenedAgent = await openAgent({
    ...base, ...(model === undefined ? {} : { model }),
    ...(values.resume === true ? { resume: positionals[0] ?? 'last' } : {}),
  });
  let warm: Promise<void> = warmup(opened.agent);

  const reopen = async (extra: Partial<OpenAgentOptions>): Promise<void> => {
    const next = await openAgent({ ...base, model: opened.agent.model, ...extra });
    // A new session: the old one's background agents end (finished results stay recorded in it).
    await opened.agent.background.close();
    await opened.connection.close();
    opened = next;
    warm = warmup(opened.agent);
  };

  const host: TuiHost = {
    agent: () => opened.agent,
    ready: () => warm,
    describe: () => ({ model: opened.agent.model, engine: engineOf(opened.agent.model), transport: opened.connection.kind, sessionId: opened.session?.id }),
    command: async (name, args, tui) => {
      const agent: AgentHandle = opened.agent;
      switch (name) {
        case 'help': case '?': return HELP.map((line) => style.dim(line));
        case 'quit': case 'exit': case 'q': return 'exit';
        case 'status': return statusLines(opened, engineOf(opened.agent.model), baseUrl, approval, workspace, local);
        case 'model': return args === '' ? listModels() : switchModel(args);
        case 'new':
          await reopen({});
          return [style.dim(`new session ${opened.session?.id ?? ''}`)];
        case 'resume': {
          if (args === '') {
            const sessions = (await listSessions(defaultSessionDir())).filter((s) => s.workspace === workspace).slice(0, 10);
            return sessions.length === 0 ? ['no saved sessions for this directory'] : sessions.map((s) => `${s.id}  ${style.dim(new Date(s.updated_ms).toLocaleString())}`);
          }
          await reopen({ resume: args });
          return [style.dim(`resumed ${opened.session?.id ?? args}: ${opened.agent.items.length} items`)];
        }
        case 'fork': {
          const id = opened.session?.id;
          if (id === undefined) return ['this session is not saved; nothing to fork'];
          await opened.session?.flush();
          const turn = args === '' ? undefined : Number(args);
          if (turn !== undefined && !Number.isInteger(turn)) return [style.red('/fork takes a turn number')];
          await reopen({ fork: { id, ...(turn === undefined ? {} : { turn }) } });
          return [style.dim(`forked ${id}${turn === undefined ? '' : ` at turn ${turn}`} into ${opened.session?.id ?? ''}`)];
        }
        case 'compact': {
          const event = (await submitAndCollect(agent, { type: 'compact' })).find((e) => e.type === 'compaction');
          return [style.dim(event?.type === 'compaction' ? `compacted: ~${event.tokens_before} → ~${event.tokens_after} tokens` : 'nothing to compact')];
        }
        case 'undo': {
          const undone = (await submitAndCollect(agent, { type: 'undo' })).find((e) => e.type === 'patch.undone');
          return undone === undefined ? ['nothing to undo'] : [style.green(`restored ${undone.restored.join(', ')}`)];
        }
        case 'diff': return diffLines(workspace, agent);
        case 'bg': case 'agents': return backgroundCommand(name, args, opened.agent, tui);
        case 'init':
          tui.submit(INIT_PROMPT);
          return [];
        default:
          return [style.red(`unknown command /${name} (try /help)`)];
      }
    },
  };

  /** Every model the server serves (local first, then `<provider>/<model>`), and why a provider's are missing. */
  async function listModels(): Promise<string[]> {
    await upstreamsReady;
    const current = opened.agent.model;
    const models = await opened.connection.listModels();
    const lines = models.map((m) => `${m.id === current ? '● ' : '  '}${m.id}${m.contextWindow ? style.dim(` (${m.contextWindow} tokens)`) : ''}`);
    if (!models.some((m) => m.id === current)) lines.unshift(`● ${current}${style.dim(' (not listed by the server)')}`);
    lines.push(...providerNotes(local));
    const reachable = local?.catalog?.reachable() ?? [];
    if (reachable.length > 0) lines.push(style.dim(`also, connected when chosen: ${reachable.map((name) => `${name}/<model>`).join(', ')}`));
    return lines;
  }

  /** `/model <id>`: the set_model op on the same agent (same session and history; the warm chain restarts on the new model). */
  async function switchModel(id: string): Promise<string[]> {
    await upstreamsReady;
    const name = providerOf(id);
    const provider = name === undefined ? undefined : local?.catalog?.provider(name);
    if (provider !== undefined && provider.status.state !== 'ready') {
      try {
        await provider.open(signal);
      } catch (error) {
        return [style.red(`upstream ${provider.name} unavailable: ${error instanceof Error ? error.message : String(error)}`)];
      }
    }
    const models = await opened.connection.listModels();
    // A hosted API lists only some of what it serves: only a server on this machine is held to its list.
    if (!models.some((m) => m.id === id) && local !== undefined) return [style.red(`the server does not serve '${id}' (/model lists what it does)`)];
    await submitAndCollect(opened.agent, { type: 'set_model', model: id });
    return [style.dim(`model: ${id} · ${engineOf(id)} (history kept: ${opened.agent.items.length} items, session ${opened.session?.id ?? 'not saved'})`)];
  }

  const app = new TuiApp(host, { input: process.stdin, output: process.stdout });
  const banner = [
    `${style.bold('spark')} ${style.dim(`· ${opened.model} · ${engineOf(opened.model)} · ${opened.connection.kind} · ${workspace}`)}`,
    style.dim(`approval: ${approval} · sandbox: ${describeShellConfinement(opened.confinement)}${opened.project.files.length > 0 ? ` · AGENTS.md: ${opened.project.files.length}` : ''} · /help for keys and commands`),
  ];
  const onAbort = (): void => { opened.agent.submit({ type: 'interrupt' }).catch(() => undefined); };
  signal.addEventListener('abort', onAbort);
  // A provider that cannot be reached costs only its models, and says so once.
  void upstreamsReady.then((statuses) => {
    const failed = statuses.filter((status) => status.state === 'failed');
    if (failed.length > 0) app.print(providerNotes(local, failed));
  });
  try {
    await app.run(banner);
  } finally {
    signal.removeEventListener('abort', onAbort);
    await opened.agent.background.close();
    await opened.connection.close();
    await local?.close();
  }
}

/** Prefills the system prompt and tools while the user types; failures only cost the warm start (in-process agents only). */
function warmup(agent: Agent): Promise<void> {
  return agent.warmup().catch(() => undefined);
}

/** One line per configured (or contacted) provider that serves nothing: connecting, or why not. */
function providerNotes(local: LocalServer | undefined, statuses: readonly ProviderStatus[] = local?.catalog?.statuses() ?? []): string[] {
  return statuses.flatMap((status) => {
    if (status.state === 'failed') return [style.yellow(`upstream ${status.name} unavailable (its models are not listed): ${status.reason}`)];
    if (status.state === 'opening') return [style.dim(`upstream ${status.name}: connecting…`)];
    return [];
  });
}

function statusLines(opened: OpenedAgent, engine: string, baseUrl: string, approval: string, workspace: string, local: LocalServer | undefined): string[] {
  const agent: AgentHandle = opened.agent;
  const upstreams = (local?.catalog?.statuses() ?? []).map((status) => `${status.name} ${status.state === 'ready' ? `(${status.models} models)` : status.state}`);
  return [
    `model      ${opened.agent.model} (${engine})`,
    ...(upstreams.length > 0 ? [`upstreams  ${upstreams.join(', ')}`] : []),
    `server     ${baseUrl} over ${opened.connection.kind}`,
    `session    ${opened.session?.id ?? '(not saved)'}`,
    `workspace  ${workspace}`,
    `approval   ${approval}`,
    `sandbox    ${describeShellConfinement(opened.confinement)}`,
    `context    ~${agent.contextTokens} of ${agent.contextWindow} tokens, ${agent.items.length} items`,
    `undo       ${agent.undoable.length} patch(es)`,
    `AGENTS.md  ${opened.project.files.join(', ') || 'none'}`,
    `config     ${configPath()}`,
  ];
}

/** `git diff` in a repository; otherwise the session's patches against the files now. */
async function diffLines(workspace: string, agent: AgentHandle): Promise<string[]> {
  try {
    const { stdout } = await run('git', ['diff', '--no-color', '--no-ext-diff'], { cwd: workspace, maxBuffer: 16 * 1024 * 1024 });
    return stdout.trim() === '' ? ['no changes (git diff is empty)'] : renderUnifiedDiff(stdout);
  } catch {
    const lines: string[] = [];
    const first = new Map<string, string | null>();
    for (const entry of agent.undoable) for (const file of entry.files) if (!first.has(file.path)) first.set(file.path, file.before);
    for (const [path, before] of first) {
      const now = await readFile(join(resolve(workspace), path), 'utf8').catch(() => '');
      lines.push(...renderUnifiedDiff(unifiedDiff(before ?? '', now, path)));
    }
    return lines.length === 0 ? ['no changes in this session'] : lines;
  }
}
