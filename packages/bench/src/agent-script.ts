/** A fixed 20-turn coding-agent conversation: each turn the model calls a tool, the "harness" answers. */
export const AGENT_TURNS = 20;

export function agentInstructions(nonce: string): string {
  return `Session ${nonce}. You are a coding agent working in a TypeScript repository. Read files before you change them, ` +
    'make the smallest edit that solves the task, and never run the test suite unless the user asks. ' +
    'Use read_file to look at code and run to execute read-only shell commands. Answer briefly.';
}

export const AGENT_TOOLS = [
  {
    type: 'function', name: 'read_file', description: 'Read a file of the repository', strict: true,
    parameters: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'], additionalProperties: false },
  },
  {
    type: 'function', name: 'run', description: 'Run a read-only shell command', strict: true,
    parameters: { type: 'object', properties: { cmd: { type: 'string' } }, required: ['cmd'], additionalProperties: false },
  },
] as const;

export const AGENT_TASK = 'The server ignores the PORT environment variable. Find where the config is parsed and fix it.';

/** The tool output the harness returns at `turn` (fixed, ~150 tokens each). */
export function toolOutput(turn: number): string {
  const lines: string[] = [`// src/config/part${turn}.ts`];
  for (let i = 0; i < 8; i++) {
    lines.push(`export function option${turn}_${i}(env: Record<string, string | undefined>): number { return Number(env['OPT_${turn}_${i}'] ?? ${turn * 10 + i}); }`);
  }
  return lines.join('\n');
}
