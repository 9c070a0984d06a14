// Decides whether the harness runs a shell command, asks the user, or refuses it.
import { classifyCommand } from './classify-command.js';
import type { CommandClass } from './command-table.js';

/** How much the user lets the agent do without asking. */
export type ApprovalMode = 'ask' | 'auto-in-workspace' | 'never-ask';

/** What the session allows for this command. */
export interface CommandPolicy {
  readonly approval: ApprovalMode;
  /** The user asked for tests this turn or allowed them for the session. */
  readonly testsAllowed: boolean;
  /** The user allowed network access for the session (default false). */
  readonly networkAllowed?: boolean;
  /**
   * Shell commands run in an OS sandbox that confines writes to the workspace (default false).
   * Without one, `auto-in-workspace` asks before anything that may write: the table below is a
   * classifier, not a wall.
   */
  readonly sandboxed?: boolean;
}

/** The harness's answer for one command, with a reason addressed to the model. */
export interface CommandDecision {
  readonly verdict: 'run' | 'ask' | 'refuse';
  readonly classes: ReadonlySet<CommandClass>;
  readonly reason: string;
}

/**
 * Decides a shell command under a policy. Tests first, in every mode: a command with a 'test'
 * class is refused unless `testsAllowed`. Then, with 'unknown' counted as 'write':
 *
 * | classes present        | ask  | auto-in-workspace                   | never-ask                              |
 * |------------------------|------|-------------------------------------|----------------------------------------|
 * | read only              | run  | run                                 | run                                    |
 * | build / write / test*  | ask  | run if sandboxed, else ask          | run                                    |
 * | network                | ask  | ask (run if networkAllowed)         | refuse (run if networkAllowed)         |
 *
 * (*) test only once allowed. The worst class decides: refuse > ask > run.
 */
export function decideCommand(command: string, policy: CommandPolicy): CommandDecision {
  const classes = classifyCommand(command);
  if (classes.has('test') && !policy.testsAllowed) {
    return {
      verdict: 'refuse',
      classes,
      reason: 'Tests and other slow checks run only when the user asks for them or allows them for the session; do not run them now, and say how the user can run them.',
    };
  }
  const beyondRead = [...classes].some((c) => c !== 'read');
  switch (policy.approval) {
    case 'ask':
      return beyondRead
        ? { verdict: 'ask', classes, reason: `The user approves every command that is not read-only (this one is ${describe(classes)}).` }
        : { verdict: 'run', classes, reason: 'Read-only command.' };
    case 'auto-in-workspace':
      if (classes.has('network') && policy.networkAllowed !== true) {
        return { verdict: 'ask', classes, reason: 'The command uses the network, which needs the user\'s approval.' };
      }
      if (beyondRead && policy.sandboxed !== true) {
        return { verdict: 'ask', classes, reason: `No sandbox confines shell commands here, so a command that may write needs the user's approval (this one is ${describe(classes)}).` };
      }
      return { verdict: 'run', classes, reason: `Allowed in the workspace (${describe(classes)}).` };
    case 'never-ask':
      if (classes.has('network') && policy.networkAllowed !== true) {
        return { verdict: 'refuse', classes, reason: 'The command uses the network, which this session does not allow.' };
      }
      return { verdict: 'run', classes, reason: `Allowed without asking (${describe(classes)}).` };
    default: {
      const unreachable: never = policy.approval;
      throw new Error(`unknown approval mode: ${String(unreachable)}`);
    }
  }
}

function describe(classes: ReadonlySet<CommandClass>): string {
  return [...classes].sort().join(', ');
}
