import type { ApprovalMode } from '../policy/decide-command.js';

export interface InstructionsInput {
  /** The agent's base prompt. */
  basePrompt: string;
  /** How to write apply_patch envelopes; included because small local models need the example. */
  patchInstructions: string;
  workspace: string;
  approval: ApprovalMode;
  testsAllowed: boolean;
  /** AGENTS.md text, '' when there is none. */
  projectInstructions: string;
  /** How shell commands are confined (`describeShellConfinement`), when known. */
  sandbox?: string;
}

/**
 * The system prompt, assembled once per session: it is the prefix of every request, so it must
 * not change from turn to turn (a changed prefix throws away the server's warm KV cache).
 */
export function buildInstructions(input: InstructionsInput): string {
  const environment = [
    '# Environment',
    `- Workspace: ${input.workspace} (all paths are relative to it; nothing outside it can be touched)`,
    `- Platform: ${process.platform}; shell commands run with bash in the workspace`,
    `- Approval mode: ${input.approval}`,
    ...(input.sandbox === undefined ? [] : [`- Shell sandbox: ${input.sandbox}`]),
    input.testsAllowed
      ? '- Tests and slow checks: allowed for this session.'
      : '- Tests and slow checks: only when the user asks for them in their message; the harness refuses them otherwise.',
  ].join('\n');
  const parts = [input.basePrompt.trim(), input.patchInstructions.trim(), environment];
  if (input.projectInstructions.trim() !== '') parts.push(`# Project instructions (AGENTS.md)\n${input.projectInstructions.trim()}`);
  return parts.join('\n\n');
}
