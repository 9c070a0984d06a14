import { z } from 'zod';
import type { ToolChoice as EngineToolChoice, ToolSpec } from '@spark/engine';
import { apiErrors, type ToolChoice } from '@spark/protocol';
import type { ToolSet } from './to-tool-specs.js';

/** What the engine is told: the visible tools and how it must use them. */
export interface ResolvedToolChoice {
  toolChoice: EngineToolChoice;
  tools: ToolSpec[];
}

/**
 * Maps `tool_choice` to the engine's choice. A named function/custom choice must name a
 * declared tool of that kind; `allowed_tools` narrows the visible tools; hosted-tool choices
 * cannot be honoured by a local model and are refused (400, param `tool_choice`).
 */
export function toToolChoice(choice: ToolChoice | null | undefined, toolSet: ToolSet): ResolvedToolChoice {
  const all = toolSet.specs;
  if (choice === undefined || choice === null) return { toolChoice: { type: 'auto' }, tools: all };
  if (typeof choice === 'string') return { toolChoice: { type: choice }, tools: all };
  if (choice.type === 'function' || choice.type === 'custom') {
    const kind = choice.type;
    const name = 'name' in choice && typeof choice.name === 'string' ? choice.name : undefined;
    const spec = name === undefined ? undefined : findTool(all, kind, name);
    if (!spec) {
      throw apiErrors.invalidValue('tool_choice', `Invalid value for 'tool_choice': no ${kind} tool named '${truncate(name ?? '')}' was declared in 'tools'.`);
    }
    return { toolChoice: { type: 'named', name: spec.name }, tools: all };
  }
  if (choice.type === 'allowed_tools') {
    const parsed = allowedToolsSchema.safeParse(choice);
    if (!parsed.success) throw apiErrors.invalidValue('tool_choice', "Invalid value for 'tool_choice': allowed_tools needs 'mode' and a 'tools' list.");
    const allowed = new Set<ToolSpec>();
    parsed.data.tools.forEach((entry, index) => {
      if (entry.type !== 'function' && entry.type !== 'custom') return;
      const spec = typeof entry.name === 'string' ? findTool(all, entry.type, entry.name) : undefined;
      if (!spec) {
        throw apiErrors.invalidValue(`tool_choice.tools[${index}]`, `Invalid value for 'tool_choice.tools[${index}]': no ${entry.type} tool named '${truncate(entry.name ?? '')}' was declared in 'tools'.`);
      }
      allowed.add(spec);
    });
    return { toolChoice: { type: parsed.data.mode }, tools: all.filter((spec) => allowed.has(spec)) };
  }
  throw apiErrors.invalidValue('tool_choice', `Invalid value for 'tool_choice': '${truncate(choice.type)}' tools are not available on this server.`);
}

const allowedToolsSchema = z.object({
  type: z.literal('allowed_tools'),
  mode: z.enum(['auto', 'required']),
  tools: z.array(z.object({ type: z.string(), name: z.string().optional() }).loose()),
});

function findTool(specs: readonly ToolSpec[], kind: 'function' | 'custom', name: string): ToolSpec | undefined {
  return specs.find((spec) => spec.kind === kind && spec.name === name);
}

function truncate(value: string): string {
  return value.length > 64 ? `${value.slice(0, 64)}…` : value;
}
