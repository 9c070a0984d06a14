import type { ApprovalMode } from '../policy/decide-command.js';
import { probeBubblewrap, type BubblewrapProbe } from './probe-bubblewrap.js';

/** The user's choice: `auto` confines shell commands where bubblewrap runs; `off` never does. */
export type SandboxSetting = 'auto' | 'off';
/** Every `SandboxSetting`, for option parsers. */
export const SANDBOX_SETTINGS: readonly SandboxSetting[] = ['auto', 'off'];

/**
 * What walls a session's shell commands run inside (a wire shape: `spark exec --json` prints it).
 * Only `auto-in-workspace` is sandboxed: in `ask` the user approves every command that may write,
 * and `never-ask` is the user's explicit choice to run commands unconfined.
 */
export type ShellConfinement =
  | { type: 'bubblewrap'; bwrap: string; network: boolean }
  | { type: 'none'; reason: 'off' | 'unsupported' | 'not_found' | 'unusable'; detail?: string }
  | { type: 'none'; reason: 'approval_mode'; approval: Exclude<ApprovalMode, 'auto-in-workspace'> };

export interface ConfinementInput {
  approval: ApprovalMode;
  sandbox: SandboxSetting;
  /** The user allowed network access for the session: the sandbox keeps the host's network. */
  networkAllowed: boolean;
  /** Injectable for tests; default `probeBubblewrap()` on this process's PATH. */
  probe?: () => Promise<BubblewrapProbe>;
}

/** Decides the session's confinement; probes bubblewrap only when it would be used. */
export async function resolveShellConfinement(input: ConfinementInput): Promise<ShellConfinement> {
  if (input.approval !== 'auto-in-workspace') return { type: 'none', reason: 'approval_mode', approval: input.approval };
  if (input.sandbox === 'off') return { type: 'none', reason: 'off' };
  const probe = await (input.probe ?? probeBubblewrap)();
  if (probe.ok) return { type: 'bubblewrap', bwrap: probe.bwrap, network: input.networkAllowed };
  return { type: 'none', reason: probe.reason, detail: probe.detail };
}

/** One line for people: e.g. `bubblewrap (workspace and a private /tmp writable, network off)`. */
export function describeShellConfinement(confinement: ShellConfinement): string {
  if (confinement.type === 'bubblewrap') {
    return `bubblewrap (workspace and a private /tmp writable, network ${confinement.network ? 'on' : 'off'})`;
  }
  const asks = 'commands that may write ask first';
  switch (confinement.reason) {
    case 'approval_mode':
      return confinement.approval === 'ask'
        ? `none (approval ask: ${asks})`
        : 'none (approval never-ask: commands run unconfined)';
    case 'off': return `none (--sandbox off): ${asks}`;
    case 'unsupported': return `none (${confinement.detail ?? 'no sandbox on this platform'}): ${asks}`;
    case 'not_found': return `none (bwrap not found; install bubblewrap): ${asks}`;
    case 'unusable': return `none (bwrap cannot run here: ${confinement.detail ?? 'unknown error'}): ${asks}`;
    default: {
      const unreachable: never = confinement;
      throw new Error(`unknown confinement: ${JSON.stringify(unreachable)}`);
    }
  }
}
