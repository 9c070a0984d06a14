import type { ToolSpec } from '@spark/engine';
import { apiErrors, type CustomTool, type FunctionTool, type Tool } from '@spark/protocol';

/** The tools the model sees, plus the way back from a flat name to a namespaced tool. */
export interface ToolSet {
  specs: ToolSpec[];
  /** Flat name (as the model sees it) -> the declared name and its namespace, for call items. */
  origin: Map<string, { name: string; namespace?: string }>;
  /** (name, namespace) of a call item -> the flat name the model was shown. */
  flatName: (name: string, namespace: string | undefined) => string;
}

/**
 * Maps request tools to engine tool specs: function tools (strict by default, as in the
 * Responses API), custom tools with their grammar, namespace tools flattened into their inner
 * tools (qualified as `namespace.name` only when the bare name collides), hosted tools hidden.
 * Duplicate top-level names are a 400.
 */
export function toToolSpecs(tools: readonly Tool[] | null | undefined): ToolSet {
  const entries: Array<{ tool: FunctionTool | CustomTool; namespace?: string; param: string }> = [];
  (tools ?? []).forEach((tool, index) => {
    if (tool.type === 'function' || tool.type === 'custom') entries.push({ tool, param: `tools[${index}].name` });
    else if (tool.type === 'namespace') {
      tool.tools.forEach((inner, innerIndex) => entries.push({ tool: inner, namespace: tool.name, param: `tools[${index}].tools[${innerIndex}].name` }));
    }
  });
  const topLevel = new Set<string>();
  const bareCount = new Map<string, number>();
  for (const entry of entries) {
    if (entry.namespace === undefined) {
      if (topLevel.has(entry.tool.name)) throw apiErrors.invalidValue(entry.param, `Duplicate tool name '${entry.tool.name}'.`);
      topLevel.add(entry.tool.name);
    }
    bareCount.set(entry.tool.name, (bareCount.get(entry.tool.name) ?? 0) + 1);
  }
  const qualify = (name: string, namespace: string | undefined): string =>
    namespace !== undefined && (bareCount.get(name) ?? 0) > 1 ? `${namespace}.${name}` : name;

  const specs: ToolSpec[] = [];
  const origin = new Map<string, { name: string; namespace?: string }>();
  for (const { tool, namespace, param } of entries) {
    const flat = qualify(tool.name, namespace);
    if (origin.has(flat)) throw apiErrors.invalidValue(param, `Duplicate tool name '${flat}'.`);
    origin.set(flat, namespace === undefined ? { name: tool.name } : { name: tool.name, namespace });
    specs.push(toSpec(tool, flat));
  }
  return { specs, origin, flatName: qualify };
}

function toSpec(tool: FunctionTool | CustomTool, name: string): ToolSpec {
  const description = tool.description ?? undefined;
  if (tool.type === 'function') {
    return {
      kind: 'function',
      name,
      ...(description === undefined ? {} : { description }),
      ...(tool.parameters ? { parameters: tool.parameters } : {}),
      strict: tool.strict ?? true,
    };
  }
  const format = tool.format;
  return {
    kind: 'custom',
    name,
    ...(description === undefined ? {} : { description }),
    ...(format?.type === 'grammar' ? { grammar: { syntax: format.syntax, definition: format.definition } } : {}),
  };
}
