import { spawn } from 'node:child_process';
import { AgentError } from '../loop/agent-error.js';

/** Output of one git command the background worktrees may read (a diff of a large task). */
export const MAX_GIT_OUTPUT_BYTES = 64 * 1024 * 1024;

/**
 * Runs git with hooks off (a worktree checkout must not run the user's post-checkout hook) and
 * no pager; rejects with `AgentError('git_failed')` and git's stderr on a non-zero exit.
 */
export function runGit(cwd: string, args: readonly string[], options: { input?: string | Buffer; signal?: AbortSignal } = {}): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['-c', 'core.hooksPath=/dev/null', '-c', 'core.quotePath=false', ...args], {
      cwd, stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_OPTIONAL_LOCKS: '0' },
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    const out: Buffer[] = [];
    let size = 0;
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_GIT_OUTPUT_BYTES) {
        child.kill();
        return;
      }
      out.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => { if (err.length < 4096) err += chunk.toString('utf8'); });
    child.on('error', (error) => reject(new AgentError('git_failed', `git ${args[0] ?? ''}: ${error.message}`)));
    child.on('close', (code) => {
      if (size > MAX_GIT_OUTPUT_BYTES) reject(new AgentError('git_failed', `git ${args[0] ?? ''}: output over ${MAX_GIT_OUTPUT_BYTES} bytes`));
      else if (code === 0) resolve(Buffer.concat(out));
      else reject(new AgentError('git_failed', `git ${args.join(' ')} (exit ${code ?? 'signal'}): ${err.trim()}`));
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input);
  });
}

/** The same, as trimmed text. */
export async function gitText(cwd: string, args: readonly string[], options: { input?: string | Buffer; signal?: AbortSignal } = {}): Promise<string> {
  return (await runGit(cwd, args, options)).toString('utf8').trim();
}
