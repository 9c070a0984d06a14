import type { BackgroundAgentInfo } from '@spark/protocol';
import { z } from 'zod';
import type { ExtraTools } from '../loop/tool-runner.js';
import type { FunctionToolDefinition, ToolParameterSchema } from '../tools/tool-definitions.js';
import { ToolError } from '../tools/tool-error.js';
import type { BackgroundAgents } from './background-agents.js';
import { DEFAULT_WAIT_TIMEOUT_MS, MAX_WAIT_TIMEOUT_MS } from './background-limits.js';

function tool(name: string, description: string, properties: Record<string, ToolParameterSchema>): FunctionToolDefinition {
  return { type: 'function', name, description, strict: true, parameters: { type: 'object', properties, required: Object.keys(properties), additionalProperties: false } };
}

// Codex's multi-agent (collab) tools, by name and argument: spawn_agent, send_input, wait,
// close_agent; plus list_agents and apply_agent_patch. Lists travel as comma-separated strings:
// the agent's tool schemas (and Spark's grammar) take scalar arguments only.
export const SPAWN_AGENT_TOOL = tool('spawn_agent', 'Start a background agent on a task that needs many steps, many files, or running tests. It works in its own copy of the workspace, on its own, while you keep answering the user; its result comes back as a summary and a patch. Returns its agent_id.', {
  message: { type: 'string', description: 'The task, complete and self-contained: the agent does not see this conversation.' },
  files: { type: 'string', description: 'Comma-separated paths the task is about; "" for none.' },
  model: { type: 'string', description: '"deep" (the deeper model, default) or "fast" (yours); "" for the default.' },
});
export const LIST_AGENTS_TOOL = tool('list_agents', 'List the background agents with their status, steps and tokens.', {});
export const SEND_INPUT_TOOL = tool('send_input', 'Send a message to a background agent: steers it while it runs, or gives a finished one its next task.', {
  id: { type: 'string', description: 'The agent_id.' },
  message: { type: 'string', description: 'The message.' },
});
export const WAIT_TOOL = tool('wait', `Wait until one of the background agents finishes (at most timeout_ms, default ${DEFAULT_WAIT_TIMEOUT_MS}, at most ${MAX_WAIT_TIMEOUT_MS}). Returns their status; finished ones carry their summary and patch.`, {
  ids: { type: 'string', description: 'Comma-separated agent_ids; "" for all.' },
  timeout_ms: { type: 'integer', description: `Milliseconds; 0 for ${DEFAULT_WAIT_TIMEOUT_MS}.` },
});
export const CLOSE_AGENT_TOOL = tool('close_agent', 'Stop a background agent and discard its work (its worktree is removed).', {
  id: { type: 'string', description: 'The agent_id.' },
});
export const APPLY_AGENT_PATCH_TOOL = tool('apply_agent_patch', "Apply a finished background agent's patch to the workspace (as apply_patch would; refused where the files changed meanwhile).", {
  id: { type: 'string', description: 'The agent_id.' },
});

export const DELEGATION_TOOLS: readonly FunctionToolDefinition[] = [SPAWN_AGENT_TOOL, LIST_AGENTS_TOOL, SEND_INPUT_TOOL, WAIT_TOOL, CLOSE_AGENT_TOOL, APPLY_AGENT_PATCH_TOOL];

/** Added to the fast foreground model's system prompt in dual mode. */
export const DELEGATION_PROMPT = `# Background agents
You answer the user in real time. Hand work that needs many steps, many files, or running tests (when the user asked for tests) to a background agent with spawn_agent, then keep answering the user; do not wait for it unless the user asks for its result. Background agents work in their own copy of the workspace and never touch the user's files: their result comes back as a summary and a patch, which apply_agent_patch applies. Use list_agents, send_input, wait and close_agent to follow them up.`;

const idArgs = z.object({ id: z.string().min(1) });
// Any other `model` means the default: the schema sent cannot say enum, and a small model writes what it likes there.
const spawnArgs = z.object({ message: z.string().min(1), files: z.string().default(''), model: z.string().default('').transform((model) => (model === 'fast' || model === 'deep' ? model : '')) });
const sendArgs = z.object({ id: z.string().min(1), message: z.string().min(1) });
const waitArgs = z.object({ ids: z.string().default(''), timeout_ms: z.coerce.number().int().min(0).default(0) });

/** The delegation tools as the tool runner calls them; `apply` goes through the foreground's apply_patch path. */
export function delegationTools(agents: BackgroundAgents, apply: (id: string, signal: AbortSignal) => Promise<{ ok: boolean; output: string }>): ExtraTools {
  const names = new Set(DELEGATION_TOOLS.map((definition) => definition.name));
  return {
    has: (name) => names.has(name),
    async run(name, args, signal) {
      switch (name) {
        case 'spawn_agent': {
          const parsed = spawnArgs.parse(args);
          const info = await agents.start({ task: parsed.message, files: splitList(parsed.files), ...(parsed.model === '' ? {} : { role: parsed.model }) }, signal);
          return { ok: true, output: JSON.stringify({ agent_id: info.agent_id, status: info.status, model: info.model }) };
        }
        case 'list_agents':
          return { ok: true, output: JSON.stringify(agents.list().map(brief)) };
        case 'send_input': {
          const parsed = sendArgs.parse(args);
          return { ok: true, output: JSON.stringify({ agent_id: parsed.id, delivered: agents.message(parsed.id, parsed.message) }) };
        }
        case 'wait': {
          const parsed = waitArgs.parse(args);
          const timeout = Math.min(parsed.timeout_ms > 0 ? parsed.timeout_ms : DEFAULT_WAIT_TIMEOUT_MS, MAX_WAIT_TIMEOUT_MS);
          const { agents: infos, timedOut } = await agents.wait(splitList(parsed.ids), timeout, signal);
          return { ok: true, output: JSON.stringify({ timed_out: timedOut, agents: infos }) };
        }
        case 'close_agent': {
          const parsed = idArgs.parse(args);
          await agents.stop(parsed.id, 'Closed by the foreground agent.');
          return { ok: true, output: JSON.stringify({ agent_id: parsed.id, status: 'stopped' }) };
        }
        case 'apply_agent_patch':
          return apply(idArgs.parse(args).id, signal);
        default:
          throw new ToolError('invalid_arguments', `Unknown tool '${name}'.`);
      }
    },
  };
}

function splitList(text: string): string[] {
  return text.split(',').map((part) => part.trim()).filter((part) => part !== '');
}

function brief(info: BackgroundAgentInfo): Omit<BackgroundAgentInfo, 'patch' | 'summary'> {
  const { patch: _patch, summary: _summary, ...rest } = info;
  return rest;
}
