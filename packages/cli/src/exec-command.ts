import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import {
  AgentError, describeShellConfinement, openAgent, runTurns, type AgentEvent, type AgentHandle, type ApprovalDecision, type ApprovalRequest, type TurnStatus,
} from '@spark/agent';
import { DEFAULT_MODEL_ALIAS } from '@spark/engine-llama';
import { CliError } from './cli-error.js';
import { runBackgroundTask } from './exec-background.js';
import { intOption, parseApproval, parseSandbox, parseTransport } from './cli-options.js';
import { loadConfig } from './interactive/spark-config.js';
import { startLocalServer, type LocalServer } from './local-server.js';

export const EXEC_USAGE = `Usage: spark exec [options] "task"      (also: spark resume [id|--last] "task")
  Runs the coding agent headless in the current directory until it answers.
  --json                     print every agent event as one JSON object per line (JSONL) on stdout
  --approval <mode>          ask | auto-in-workspace (default) | never-ask
                             (ask prompts on the terminal; without one, asked actions are declined)
  --allow-tests              let the agent run tests and other slow checks (else only when the task asks)
  --allow-network            let shell commands use the network
  --sandbox <auto|off>       auto (default): in auto-in-workspace, shell commands run in bubblewrap
                             (workspace and a private /tmp writable, the rest read-only, network off
                             unless --allow-network); off, or where bwrap cannot run: commands that
                             may write ask first (declined when headless)
  --model <id|alias|path>    model (default: ${DEFAULT_MODEL_ALIAS} on the embedded engine;
                             with --server: the server's first model); <provider>/<model> runs on
                             that upstream (a preset such as cerebras/<model> with CEREBRAS_API_KEY
                             set, or one in the config file's "upstreams"; see spark serve --help)
  --server <url>             use this Responses endpoint (e.g. http://127.0.0.1:8000/v1, https://api.openai.com/v1);
                             default: a running spark serve on SPARK_PORT/8000, else the embedded engine in-process
  --api-key <key>            key for --server (env SPARK_API_KEY, then OPENAI_API_KEY)
  --transport <t>            auto (default: WebSocket, HTTP fallback) | websocket | http
  --cd <dir>                 workspace directory (default: current directory)
  --resume <id|last>         continue a saved session
  --fork <id>[:turn]         start a new session from a saved one, as it was after turn N
  --ephemeral                do not save the session
  --deep-model <id>          dual mode: the model background agents run (e.g. openai/<model>); also offers
                             the agent the delegation tools (spawn_agent, wait...). Default: none, and
                             background agents run --model
  --background               run the task as a background agent (its own git worktree or copy of the
                             workspace), then apply its patch (refused where files changed meanwhile)
  --max-steps <n>            model requests per turn before stopping (default 50)
  --no-loop-guard            let a model that repeats itself go on (default: its answer is stopped once
                             it ends in 4+ copies of one span, and a turn once a call repeats 3 times)
  --no-patch-check           let apply_patch calls stream to the end (default: each hunk is checked
                             against the files as it arrives, and the first that cannot apply stops the
                             response so the model retries at once)
  --ctx <tokens>             context size of the embedded engine
  --offline                  never contact the model hub
Exit status: 0 answered, 1 failed, 2 usage error, 3 stopped at --max-steps, 4 stopped a model that
repeated itself, 130 interrupted.`;

/** Exit status per turn outcome (documented in README). */
export const EXEC_EXIT_CODES: Record<TurnStatus, number> = { completed: 0, failed: 1, max_steps: 3, repetition: 4, interrupted: 130 };

export async function execCommand(argv: readonly string[], signal: AbortSignal, options: { resume?: boolean } = {}): Promise<void> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      json: { type: 'boolean' },
      approval: { type: 'string' },
      'allow-tests': { type: 'boolean' },
      'allow-network': { type: 'boolean' },
      sandbox: { type: 'string' },
      model: { type: 'string' },
      server: { type: 'string' },
      'api-key': { type: 'string' },
      transport: { type: 'string' },
      cd: { type: 'string' },
      resume: { type: 'string' },
      last: { type: 'boolean' },
      fork: { type: 'string' },
      ephemeral: { type: 'boolean' },
      'max-steps': { type: 'string' },
      'deep-model': { type: 'string' },
      background: { type: 'boolean' },
      'no-loop-guard': { type: 'boolean' },
      'no-patch-check': { type: 'boolean' },
      ctx: { type: 'string' },
      offline: { type: 'boolean' },
    },
  });
  let resume = values.resume;
  let words = positionals;
  if (options.resume === true) {
    // `spark resume [id|--last] "task"`: a leading id-shaped word names the session.
    if (values.last === true) resume = 'last';
    else if (words.length > 1 && /^[0-9]{8}-[0-9]{6}-[0-9a-f]{6}$/.test(words[0] ?? '')) { resume = words[0]; words = words.slice(1); }
    else resume ??= 'last';
  }
  const task = words.join(' ').trim();
  if (task === '') throw new CliError(`spark exec needs a task\n\n${EXEC_USAGE}`);
  const approval = parseApproval(values.approval ?? 'auto-in-workspace');
  const transport = parseTransport(values.transport ?? 'auto');
  const sandbox = parseSandbox(values.sandbox ?? 'auto');
  const maxSteps = intOption('max-steps', values['max-steps']);
  const contextSize = intOption('ctx', values.ctx);
  const fork = values.fork === undefined ? undefined : parseFork(values.fork);
  const json = values.json === true;
  const env = process.env;
  // Only the provider definitions: exec's other settings come from its flags, for reproducible runs.
  const config = await loadConfig(env);

  let local: LocalServer | undefined;
  let baseUrl = values.server ?? env['SPARK_SERVER_URL'];
  let model = values.model;
  if (baseUrl === undefined) {
    local = await startLocalServer({
      ...(model === undefined ? {} : { model }), signal,
      ...(values.offline ? { offline: true } : {}),
      ...(contextSize === undefined ? {} : { contextSize }),
      probePort: Number(env['SPARK_PORT'] ?? 8000),
      ...(config.upstreams ? { upstreams: config.upstreams } : {}),
    });
    baseUrl = local.baseUrl;
    model = local.model;
  }
  const apiKey = values['api-key'] ?? env['SPARK_API_KEY'] ?? env['OPENAI_API_KEY'];
  const write = (line: string): void => { process.stdout.write(`${line}\n`); };
  try {
    const opened = await openAgent({
      baseUrl, workspace: values.cd ?? process.cwd(), approval, transport, signal,
      testsAllowed: values['allow-tests'] === true, networkAllowed: values['allow-network'] === true, sandbox,
      // Answered below, as the approval op, when the event comes.
      approve: 'op',
      ...(apiKey === undefined ? {} : { apiKey }),
      ...(model === undefined ? {} : { model }),
      ...(values.ephemeral ? { sessionDir: false as const } : {}),
      ...(resume === undefined ? {} : { resume }),
      ...(fork === undefined ? {} : { fork }),
      ...(maxSteps === undefined ? {} : { maxStepsPerTurn: maxSteps }),
      ...(values['no-loop-guard'] === true ? { loopGuard: false } : {}),
      ...(values['no-patch-check'] === true ? { checkPatchesWhileStreaming: false } : {}),
      ...(values['deep-model'] === undefined ? {} : { deepModel: values['deep-model'] }),
    });
    const agent: AgentHandle = opened.agent;
    const { connection } = opened;
    const started = {
      type: 'session.started', session_id: opened.session?.id ?? null, model: opened.model, transport: connection.kind,
      server: local?.origin === 'in-process' ? 'in-process' : baseUrl, workspace: values.cd ?? process.cwd(), context_window: opened.contextWindow,
      resumed_turns: agent.items.length > 0 ? agent.items.filter((item) => item.type === 'message' && item.role === 'user').length : 0,
      sandbox: { ...opened.confinement, summary: describeShellConfinement(opened.confinement) },
    };
    if (json) write(JSON.stringify(started));
    else {
      process.stderr.write(`spark exec: ${opened.model} over ${connection.kind}${opened.session ? `, session ${opened.session.id}` : ''}\n`);
      process.stderr.write(`spark exec: sandbox: ${started.sandbox.summary}\n`);
    }
    let status: TurnStatus = 'failed';
    let finalMessage = '';
    try {
      if (values.background === true) {
        status = await runBackgroundTask(opened.agent, task, signal, (event) => {
          if (json) write(JSON.stringify(event));
          else reportProgress(event);
          if (event.type === 'background.finished') finalMessage = event.summary;
        });
      } else for await (const event of runTurns(agent, task, { signal })) {
        if (json) write(JSON.stringify(event));
        else reportProgress(event);
        if (event.type === 'turn.completed') { status = event.status; finalMessage = event.final_message; }
        if (event.type === 'approval.requested') {
          const decision = await askOnTerminal(json, event.request, signal);
          // Refused only when the turn ended meanwhile (its abort denied the request already).
          await agent.submit({ type: 'approval', request_id: event.request_id, decision }).catch(() => undefined);
        }
      }
    } finally {
      await opened.agent.background.close();
      await connection.close();
    }
    if (!json && finalMessage !== '') write(finalMessage);
    process.exitCode = EXEC_EXIT_CODES[status];
  } catch (error) {
    if (error instanceof AgentError && json) {
      write(JSON.stringify({ type: 'error', code: error.code, message: error.message }));
      process.exitCode = 1;
      return;
    }
    throw error;
  } finally {
    await local?.close();
  }
}

/** Human progress on stderr, so stdout carries only the final answer. */
function reportProgress(event: AgentEvent): void {
  const line = (text: string): void => { process.stderr.write(`${text}\n`); };
  switch (event.type) {
    case 'tool_call': line(`> ${event.name} ${oneLine(event.input, 120)}`); break;
    case 'tool_result': if (!event.ok) line(`  ! ${oneLine(event.output, 200)}`); break;
    case 'patch.hunk': if (!event.ok) line(`  ! ${event.path}${event.hunk > 0 ? ` hunk ${event.hunk}` : ''} cannot apply${event.stopped === true ? ' (call stopped while streaming)' : ''}`); break;
    case 'patch.applied': line(`  patched: ${event.changes.map((c) => `${c.kind} ${c.path}`).join(', ')}`); break;
    case 'compaction': line(`  (context compacted: ${event.kind}, ~${event.tokens_before} -> ~${event.tokens_after} tokens)`); break;
    case 'file.reread': line(`  (${event.path} changed on disk: re-read)`); break;
    case 'warning': line(`warning: ${event.message}`); break;
    case 'background.started': line(`background agent ${event.agent_id} (${event.model}) started`); break;
    case 'background.step': line(`  [${event.agent_id}] > ${event.tool}`); break;
    case 'background.finished': line(`background agent ${event.agent_id} ${event.status}: ${event.files.length} file(s) changed`); break;
    case 'background.applied': line(event.applied ? `  applied: ${oneLine(event.message, 200)}` : `  not applied: ${event.message}`); break;
    case 'background.error': line(`background error [${event.code}]: ${event.message}`); break;
    case 'error': line(`error [${event.code}]: ${event.message}`); break;
    default: break;
  }
}

function oneLine(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** Asks y/n/a on the terminal when there is one; headless runs decline. */
async function askOnTerminal(json: boolean, request: ApprovalRequest, signal: AbortSignal): Promise<ApprovalDecision> {
  if (!process.stdin.isTTY || json) return 'deny';
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const what = request.kind === 'shell' ? `run: ${request.command}` : `apply a patch to ${request.paths.join(', ')}`;
    const answer = (await rl.question(`Allow the agent to ${what}? (${request.reason}) [y]es / [a]lways / [N]o: `, { signal })).trim().toLowerCase();
    return answer === 'y' || answer === 'yes' ? 'approve' : answer === 'a' || answer === 'always' ? 'approve_session' : 'deny';
  } catch {
    return 'deny';
  } finally {
    rl.close();
  }
}

function parseFork(raw: string): { id: string; turn?: number } {
  const [id = '', turn] = raw.split(':');
  if (turn === undefined) return { id };
  const n = Number(turn);
  if (!Number.isInteger(n) || n < 0) throw new CliError(`--fork expects <id>[:turn], got '${raw}'`);
  return { id, turn: n };
}
