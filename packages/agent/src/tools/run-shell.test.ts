import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { formatShellResult, runShell } from './run-shell.js';
import type { RunShellOptions } from './run-shell.js';
import { ToolError } from './tool-error.js';

// A killed child whose parent died stays a zombie until PID 1 reaps it, which some containers never do.
function alive(pid: number): boolean {
  try {
    const state = /\) (\S)/.exec(readFileSync(`/proc/${pid}/stat`, 'utf8'))?.[1];
    return state !== undefined && state !== 'Z' && state !== 'X';
  } catch {
    // No /proc (macOS): fall back to signal 0, which counts zombies as alive.
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('runShell', () => {
  let cwd: string;
  const run = (command: string, extra: Partial<RunShellOptions> = {}) =>
    runShell({ command, cwd, timeoutMs: 10_000, maxOutputBytes: 64 * 1024, ...extra });

  before(async () => {
    cwd = await realpath(await mkdtemp(join(tmpdir(), 'spark-shell-')));
  });

  after(async () => {
    await rm(cwd, { recursive: true, force: true });
  });

  it('hands output to onOutput as it arrives, a multi-byte character split across writes kept whole', async () => {
    const chunks: string[] = [];
    // "é" is two bytes (c3 a9), written in two steps with a pause between them.
    const result = await run("printf 'caf\\303'; sleep 0.1; printf '\\251!\\n'", { onOutput: (text) => chunks.push(text) });
    assert.equal(result.exitCode, 0);
    assert.equal(chunks.join(''), 'café!\n');
    assert.ok(chunks.length >= 2);
    assert.ok(!chunks.some((chunk) => chunk.includes('\uFFFD')), 'no replacement character from a split byte sequence');
  });

  it('returns the exit code and stdout, in the working directory, with bash', async () => {
    const result = await run('pwd; echo "$BASH_VERSION" | head -c 1; exit 3');
    assert.equal(result.exitCode, 3);
    assert.equal(result.signal, null);
    assert.match(result.output, new RegExp(`^${cwd}\\n\\d$`));
    assert.deepEqual([result.timedOut, result.aborted, result.truncated], [false, false, false]);
    assert.match(formatShellResult(result), /^Exit code 3 \(\d+\.\ds\)\n/);
  });

  it('captures stderr interleaved with stdout in arrival order', async () => {
    const result = await run('echo out1; sleep 0.05; echo err1 >&2; sleep 0.05; echo out2');
    assert.equal(result.output, 'out1\nerr1\nout2\n');
    assert.equal(result.exitCode, 0);
  });

  it('closes stdin, so a command waiting for input ends at once', async () => {
    const result = await run('read line; echo "read exited $?"');
    assert.equal(result.output, 'read exited 1\n');
  });

  it('passes extra environment variables and non-interactive defaults', async () => {
    const result = await run('echo "$SPARK_TEST_VAR $GIT_PAGER"', { env: { SPARK_TEST_VAR: 'hello' } });
    assert.equal(result.output, 'hello cat\n');
  });

  it('kills the whole process group on timeout, children included', async () => {
    const started = performance.now();
    const result = await run('sleep 30 & echo $! > child.pid; sleep 30', { timeoutMs: 300 });
    assert.equal(result.timedOut, true);
    assert.equal(result.exitCode, null);
    assert.equal(result.signal, 'SIGTERM');
    assert.ok(performance.now() - started < 5000);
    const childPid = Number((await readFile(join(cwd, 'child.pid'), 'utf8')).trim());
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(alive(childPid), false, 'the background child survived');
    assert.match(formatShellResult(result), /^Timed out after/);
  });

  it('escalates to SIGKILL when the command ignores SIGTERM', async () => {
    const result = await run("trap '' TERM; echo ready; sleep 30 & wait; sleep 30", { timeoutMs: 300 });
    assert.equal(result.timedOut, true);
    assert.equal(result.signal, 'SIGKILL');
    assert.equal(result.output, 'ready\n');
  });

  it('stops on abort, and returns at once for an already aborted signal', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const result = await run('echo started; sleep 30', { signal: controller.signal });
    assert.equal(result.aborted, true);
    assert.equal(result.timedOut, false);
    assert.equal(result.output, 'started\n');
    assert.match(formatShellResult(result), /^Cancelled by the user/);
    const again = await run('echo never', { signal: controller.signal });
    assert.deepEqual([again.aborted, again.output, again.exitCode], [true, '', null]);
  });

  it('does not wait for a background process that keeps the output pipe open', async () => {
    const started = performance.now();
    const result = await run('sleep 30 & echo done');
    assert.equal(result.exitCode, 0);
    assert.equal(result.output, 'done\n');
    assert.ok(performance.now() - started < 5000);
  });

  it('keeps the head and the tail of long output around a marker', async () => {
    const result = await run("for i in $(seq 1 2000); do echo \"line $i\"; done", { maxOutputBytes: 100 });
    assert.equal(result.truncated, true);
    assert.equal(result.outputBytes, Array.from({ length: 2000 }, (_, i) => `line ${i + 1}\n`).join('').length);
    assert.ok(result.output.startsWith('line 1\nline 2\n'), result.output);
    assert.ok(result.output.endsWith('line 1999\nline 2000\n'), result.output);
    const omitted = Number(/\[\.\.\. (\d+) bytes omitted \.\.\.\]/.exec(result.output)?.[1]);
    assert.equal(omitted, result.outputBytes - 100);
    assert.match(formatShellResult(result), /Output was \d+ bytes/);
  });

  it('reports a missing working directory as a tool error', async () => {
    await assert.rejects(run('true', { cwd: join(cwd, 'missing') }), (e: unknown) => ToolError.is(e) && e.code === 'not_found');
  });

  it('formats a command without output', async () => {
    assert.match(formatShellResult(await run('true')), /^Exit code 0 \(\d+\.\ds\)\n\(no output\)$/);
  });
});
