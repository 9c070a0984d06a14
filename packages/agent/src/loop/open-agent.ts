import { connectResponses, type CreateParams, type ResponsesConnection } from '@spark/client';
import { resolve } from 'node:path';
import { loadProjectInstructions, type ProjectInstructions } from '../context/agents-md.js';
import { buildInstructions } from '../context/build-instructions.js';
import type { ApprovalMode } from '../policy/decide-command.js';
import { describeShellConfinement, resolveShellConfinement, type SandboxSetting, type ShellConfinement } from '../sandbox/shell-confinement.js';
import { defaultSessionDir, Session, type SessionState } from '../session/session-store.js';
import { BASE_SYSTEM_PROMPT } from '../tools/system-prompt.js';
import { APPLY_PATCH_INSTRUCTIONS, WORKSPACE_TOOLS } from '../tools/tool-definitions.js';
import type { BackgroundSettings } from '../background/background-agents.js';
import { Agent } from './agent.js';
import { AgentError } from './agent-error.js';
import type { ApprovalHandler } from './agent-events.js';

/** Window assumed when the server does not report one (OpenAI's /v1/models does not). */
export const FALLBACK_CONTEXT_WINDOW = 128_000;

export interface OpenAgentOptions {
  /** A Responses endpoint base, e.g. 'http://127.0.0.1:8000/v1' or 'https://api.openai.com/v1'. */
  baseUrl: string;
  apiKey?: string;
  transport?: 'auto' | 'websocket' | 'http';
  /** Model id; default: the first model the server lists. */
  model?: string;
  workspace: string;
  approval: ApprovalMode;
  testsAllowed?: boolean;
  networkAllowed?: boolean;
  /** `auto` (default): shell commands in `auto-in-workspace` run in bubblewrap where it works; `off`: never. */
  sandbox?: SandboxSetting;
  /** Who answers approval requests: 'op' (a UI reading the events), a handler, or nobody (denied). */
  approve?: ApprovalHandler | 'op';
  /** Overrides the server-reported window. */
  contextWindow?: number;
  /** Sessions directory (default `defaultSessionDir()`); `false` keeps nothing on disk. */
  sessionDir?: string | false;
  /** Resume a session: an id or 'last' (the newest for this workspace). */
  resume?: string;
  /** Fork a session (id), at the end of turn `turn` (default: its last). */
  fork?: { id: string; turn?: number };
  maxStepsPerTurn?: number;
  requestOverrides?: Partial<CreateParams>;
  /** Fields only a turn's first request carries (a forced `tool_choice`: tests on tiny models). */
  firstStepOverrides?: Partial<CreateParams>;
  /** Stop a model that repeats itself (default on). */
  loopGuard?: boolean;
  /** Check apply_patch hunks as they stream and stop at the first that cannot apply (default on; `AgentOptions.checkPatchesWhileStreaming`). */
  checkPatchesWhileStreaming?: boolean;
  /**
   * Dual mode's `deep` role: the model background agents run (default: the foreground's). Setting
   * it offers the foreground model the delegation tools unless `background.delegate` says otherwise.
   */
  deepModel?: string;
  /** Dual mode's other settings (limits, worktree directory, `delegate`). */
  background?: Omit<BackgroundSettings, 'deepModel' | 'deepContextWindow'>;
  signal?: AbortSignal;
}

export interface OpenedAgent {
  agent: Agent;
  connection: ResponsesConnection;
  model: string;
  contextWindow: number;
  session: Session | undefined;
  project: ProjectInstructions;
  /** What walls the shell commands (shown by `spark exec` and the TUI). */
  confinement: ShellConfinement;
}

/**
 * Everything between "which server and which directory" and a ready agent: connects (WebSocket,
 * falling back to HTTP), picks the model and its real context window, reads AGENTS.md, builds the
 * system prompt, and opens (new, resumed or forked) the session.
 */
export async function openAgent(options: OpenAgentOptions): Promise<OpenedAgent> {
  const workspace = resolve(options.workspace);
  const connection = await connectResponses({
    baseUrl: options.baseUrl,
    ...(options.apiKey === undefined ? {} : { apiKey: options.apiKey }),
    transport: options.transport ?? 'auto',
  });
  try {
    const models = await connection.listModels(options.signal === undefined ? {} : { signal: options.signal });
    let session: Session | undefined;
    let resume: SessionState | undefined;
    const dir = options.sessionDir === false ? undefined : options.sessionDir ?? defaultSessionDir();
    if (dir !== undefined) {
      if (options.fork !== undefined) ({ session, state: resume } = await Session.fork(dir, options.fork.id, options.fork.turn));
      else if (options.resume !== undefined) ({ session, state: resume } = await Session.open(dir, options.resume, options.resume === 'last' ? workspace : undefined));
    }
    // A resumed or forked session goes on on the model it last used, while the server still serves it.
    const resumedModel = resume !== undefined && models.some((entry) => entry.id === resume?.model) ? resume.model : undefined;
    const model = options.model ?? resumedModel ?? models[0]?.id;
    if (model === undefined) throw new AgentError('model_not_found', `${options.baseUrl} lists no models; pass --model.`);
    const listed = models.find((entry) => entry.id === model);
    if (listed === undefined && models.length > 0 && options.model !== undefined && !isRemote(options.baseUrl)) {
      throw new AgentError('model_not_found', `${options.baseUrl} does not serve '${model}' (it serves: ${models.map((m) => m.id).join(', ')}).`);
    }
    const contextWindow = options.contextWindow ?? listed?.contextWindow ?? FALLBACK_CONTEXT_WINDOW;
    const project = await loadProjectInstructions(workspace);
    const testsAllowed = options.testsAllowed ?? false;
    const confinement = await resolveShellConfinement({
      approval: options.approval, sandbox: options.sandbox ?? 'auto', networkAllowed: options.networkAllowed ?? false,
    });
    const instructions = buildInstructions({
      basePrompt: BASE_SYSTEM_PROMPT, patchInstructions: APPLY_PATCH_INSTRUCTIONS, workspace,
      approval: options.approval, testsAllowed, projectInstructions: project.text,
      sandbox: describeShellConfinement(confinement),
    });
    const deepListed = options.deepModel === undefined ? undefined : models.find((entry) => entry.id === options.deepModel);
    const background: BackgroundSettings = {
      ...options.background,
      delegate: options.background?.delegate ?? options.deepModel !== undefined,
      ...(options.deepModel === undefined ? {} : { deepModel: options.deepModel }),
      ...(deepListed?.contextWindow === undefined ? {} : { deepContextWindow: deepListed.contextWindow }),
    };
    // A background agent's prompt: the same, for its worktree, plus how its work comes back.
    const backgroundInstructions = (dir: string): string => `${buildInstructions({
      basePrompt: BASE_SYSTEM_PROMPT, patchInstructions: APPLY_PATCH_INSTRUCTIONS, workspace: dir,
      approval: options.approval, testsAllowed, projectInstructions: project.text, sandbox: describeShellConfinement(confinement),
    })}\n\n${BACKGROUND_AGENT_NOTE}`;
    if (dir !== undefined && session === undefined) session = await Session.create(dir, { workspace, model });
    const agent = new Agent({
      connection, model, workspace, instructions, tools: WORKSPACE_TOOLS, contextWindow,
      approval: options.approval, testsAllowed, confinement,
      ...(options.networkAllowed === undefined ? {} : { networkAllowed: options.networkAllowed }),
      ...(options.approve === undefined ? {} : { approve: options.approve }),
      ...(session === undefined ? {} : { session }),
      ...(resume === undefined ? {} : { resume: { history: resume.history, undo: resume.undo, turns: resume.turns, background: resume.background } }),
      background, backgroundInstructions,
      ...(options.maxStepsPerTurn === undefined ? {} : { maxStepsPerTurn: options.maxStepsPerTurn }),
      ...(options.requestOverrides === undefined ? {} : { requestOverrides: options.requestOverrides }),
      ...(options.firstStepOverrides === undefined ? {} : { firstStepOverrides: options.firstStepOverrides }),
      ...(options.loopGuard === undefined ? {} : { loopGuard: options.loopGuard }),
      ...(options.checkPatchesWhileStreaming === undefined ? {} : { checkPatchesWhileStreaming: options.checkPatchesWhileStreaming }),
    });
    if (resume !== undefined && model !== resume.model) await session?.append({ type: 'model', model });
    return { agent, connection, model, contextWindow, session, project, confinement };
  } catch (error) {
    await connection.close();
    throw error;
  }
}

/** Ends a background agent's system prompt. */
export const BACKGROUND_AGENT_NOTE = '# Background task\nA foreground agent handed you this task; the user is not watching. You work in your own copy of the workspace, and your changes go back to the user as a patch they apply. Work until the task is done, then end with a short summary of what you changed and what is left.';

/** Hosted APIs list models for the account, not all they serve: don't second-guess them. */
function isRemote(baseUrl: string): boolean {
  const host = new URL(baseUrl).hostname;
  return !(host === '127.0.0.1' || host === 'localhost' || host === '::1' || host === '[::1]');
}
