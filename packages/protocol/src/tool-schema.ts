import { z } from 'zod';

/** A JSON schema as sent by clients; validated structurally by the engine that compiles it. */
export const jsonSchemaSchema = z.record(z.string(), z.unknown());

export const functionToolSchema = z.object({
  type: z.literal('function'),
  name: z.string().min(1).max(128).regex(/^[A-Za-z0-9_.-]+$/, 'tool names may contain letters, digits, _ . -'),
  description: z.string().nullish(),
  parameters: jsonSchemaSchema.nullish(),
  strict: z.boolean().nullish(),
  defer_loading: z.boolean().optional(),
});
export type FunctionTool = z.infer<typeof functionToolSchema>;

export const customToolSchema = z.object({
  type: z.literal('custom'),
  name: z.string().min(1).max(128).regex(/^[A-Za-z0-9_.-]+$/, 'tool names may contain letters, digits, _ . -'),
  description: z.string().nullish(),
  format: z.union([
    z.object({ type: z.literal('text') }),
    z.object({ type: z.literal('grammar'), syntax: z.enum(['lark', 'regex']), definition: z.string() }),
  ]).optional(),
});
export type CustomTool = z.infer<typeof customToolSchema>;

/** Hosted tools (web_search, mcp, ...) are accepted and hidden from a local model. */
export const HOSTED_TOOL_TYPES = [
  'web_search', 'web_search_preview', 'web_search_2025_08_26', 'web_search_preview_2025_03_11',
  'file_search', 'code_interpreter', 'image_generation', 'mcp', 'computer_use_preview',
  'computer_use', 'local_shell', 'shell', 'apply_patch', 'tool_search',
] as const;

export const hostedToolSchema = z.object({ type: z.enum(HOSTED_TOOL_TYPES) }).loose();

export const namespaceToolSchema = z.object({
  type: z.literal('namespace'),
  name: z.string().min(1),
  description: z.string().nullish(),
  tools: z.array(z.union([functionToolSchema, customToolSchema])),
});

export const toolSchema = z.union([functionToolSchema, customToolSchema, namespaceToolSchema, hostedToolSchema]);
export type Tool = z.infer<typeof toolSchema>;

export const toolChoiceSchema = z.union([
  z.enum(['none', 'auto', 'required']),
  z.object({ type: z.literal('function'), name: z.string().min(1) }),
  z.object({ type: z.literal('custom'), name: z.string().min(1) }),
  z.object({
    type: z.literal('allowed_tools'),
    mode: z.enum(['auto', 'required']),
    tools: z.array(z.object({ type: z.string(), name: z.string().optional() }).loose()),
  }),
  z.object({ type: z.string() }).loose(),
]);
export type ToolChoice = z.infer<typeof toolChoiceSchema>;
