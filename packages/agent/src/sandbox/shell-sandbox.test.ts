// Shell confinement at the real boundary: the agent's shell tool runs hostile commands in a
// temp workspace (real bash, real bubblewrap, real files) and nothing beside the workspace
// changes. CI installs bubblewrap, so a missing bwrap fails here; a bwrap that exists but cannot
// run (no user namespaces on this machine) skips the sandboxed cases with a printed reason.
import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { FileTracker } from '../context/file-tracker.js';
import type { ApprovalRequest, AgentEvent } from '../loop/agent-events.js';
import { SANDBOX_NOTE, ToolRunner, type ToolOutcome } from '../loop/tool-runner.js';
import type { ApprovalMode } from '../policy/decide-command.js';
import { runShell } from '../tools/run-shell.js';
import { probeBubblewrap, type BubblewrapProbe } from './probe-bubblewrap.js';
import { describeShellConfinement, resolveShellConfinement, type ShellConfinement } from './shell-confinement.js';

/** Each writes (or deletes, or moves) outside the workspace, by a relative or an absolute path. */
function hostileCommands(sibling: string, marker: string): string[] {
  return [
    'echo x > ../sibling/by-redirect',
    'cp inside.txt ../sibling/by-cp',
    'echo x | tee ../sibling/by-tee',
    'sed -i s/original/changed/ ../sibling/f',
    'rm -f ../sibling/f',
    'mv ../sibling/f ./stolen', // reading is allowed, so this may leave a copy; the original must stay
    'mkdir ../sibling/by-mkdir',
    `echo x > ${sibling}/by-absolute`,
    `touch /tmp/${marker}`,
    `bash -c 'echo x >> ../sibling/f'`,
  ];
}

/** Two layouts: beside the workspace under the temp dir, and outside /tmp (where the rest of the tree stays visible, read-only). */
async function makeRoots(): Promise<string[]> {
  const inTemp = await mkdtemp(join(tmpdir(), 'spark-sandbox-'));
  const outsideTemp = await mkdtemp(join(new URL('.', import.meta.url).pathname, '.sandbox-test-'));
  return [inTemp, outsideTemp];
}

async function layout(root: string): Promise<{ workspace: string; sibling: string }> {
  const workspace = join(root, 'ws');
  const sibling = join(root, 'sibling');
  await mkdir(workspace, { recursive: true });
  await mkdir(sibling);
  await writeFile(join(workspace, 'inside.txt'), 'inside\n');
  await writeFile(join(sibling, 'f'), 'original\n');
  return { workspace, sibling };
}

interface Harness {
  runner: ToolRunner;
  asked: ApprovalRequest[];
  run: (command: string) => Promise<ToolOutcome>;
}

function harness(workspace: string, confinement: ShellConfinement, answer: 'approve' | 'deny' = 'deny', approval: ApprovalMode = 'auto-in-workspace'): Harness {
  const asked: ApprovalRequest[] = [];
  const runner = new ToolRunner({
    workspace, approval, networkAllowed: confinement.type === 'bubblewrap' && confinement.network, confinement,
    fileTracker: new FileTracker(workspace), maxOutputChars: 100_000, shellTimeoutMs: 20_000,
    approve: (request) => { asked.push(request); return Promise.resolve(answer); },
  });
  let calls = 0;
  const run = (command: string): Promise<ToolOutcome> => runner.run(
    { type: 'function_call', call_id: `call_${++calls}`, name: 'shell', arguments: JSON.stringify({ command, timeout_ms: 0 }) },
    { signal: new AbortController().signal, testsAllowed: false, emit: (_event: AgentEvent) => undefined },
  );
  return { runner, asked, run };
}

async function assertUntouched(sibling: string, marker: string): Promise<void> {
  assert.deepEqual(await readdir(sibling), ['f'], 'nothing was created or removed beside the workspace');
  assert.equal(await readFile(join(sibling, 'f'), 'utf8'), 'original\n', 'the sibling file is unchanged');
  await assert.rejects(readFile(join('/tmp', marker)), 'the sandbox /tmp is private');
}

/** Host processes whose command line contains `needle` (zombies excluded). */
async function processesWith(needle: string): Promise<number> {
  let count = 0;
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = (await readFile(`/proc/${entry}/cmdline`, 'utf8')).replaceAll('\0', ' ');
      const state = /\) (\S)/.exec(await readFile(`/proc/${entry}/stat`, 'utf8'))?.[1];
      if (cmdline.includes(needle) && state !== 'Z' && state !== 'X') count += 1;
    } catch {
      // Gone meanwhile.
    }
  }
  return count;
}

describe('shell sandbox (bubblewrap)', () => {
  let probe: BubblewrapProbe;
  let roots: string[] = [];
  const cleanups: string[] = [];

  before(async () => {
    probe = await probeBubblewrap();
    roots = await makeRoots();
    cleanups.push(...roots);
    if (!probe.ok) console.log(`# shell sandbox: ${probe.reason}: ${probe.detail}`);
  });
  after(async () => {
    for (const path of cleanups) await rm(path, { recursive: true, force: true });
  });

  /** The sandboxed cases need a working bwrap: missing fails (CI installs it), present but unusable skips, loudly. */
  function requireBubblewrap(t: TestContext): Extract<BubblewrapProbe, { ok: true }> | undefined {
    if (probe.ok) return probe;
    if (probe.reason === 'not_found') assert.fail(`bwrap is not installed: ${probe.detail}. The shell sandbox tests need it (CI installs bubblewrap).`);
    t.skip(`bubblewrap cannot run on this machine (${probe.detail}); sandboxed cases not run`);
    return undefined;
  }

  it('hostile commands in auto-in-workspace never touch a sibling folder, and run without asking', async (t) => {
    const bwrap = requireBubblewrap(t);
    if (bwrap === undefined) return;
    for (const root of roots) {
      const { workspace, sibling } = await layout(root);
      const marker = `spark-sandbox-marker-${process.pid}-${Math.random().toString(36).slice(2)}`;
      const confinement = await resolveShellConfinement({ approval: 'auto-in-workspace', sandbox: 'auto', networkAllowed: false });
      assert.equal(confinement.type, 'bubblewrap');
      const { run, asked } = harness(workspace, confinement);
      for (const command of hostileCommands(sibling, marker)) {
        const outcome = await run(command);
        // (`rm -f` and `touch /tmp/...` may even succeed: inside, /tmp is a private tmpfs.)
        assert.match(outcome.output, /^Exit code \d+/, `${command} ran (confined) instead of being refused or asked`);
      }
      assert.deepEqual(asked, [], 'the sandbox, not the user, stops them');
      await assertUntouched(sibling, marker);
      // Beside a workspace outside /tmp the sibling is visible but read-only, and the model is told why its write failed.
      const again = await run('echo x > ../sibling/again');
      if (root.startsWith('/tmp/')) assert.match(again.output, /No such file or directory/);
      else assert.ok(again.output.includes('Read-only file system') && again.output.includes(SANDBOX_NOTE), again.output);
    }
  });

  it('writes inside the workspace and its private temp folder work', async (t) => {
    if (requireBubblewrap(t) === undefined) return;
    const { workspace } = await layout(join(roots[0] ?? '', 'writes'));
    const confinement = await resolveShellConfinement({ approval: 'auto-in-workspace', sandbox: 'auto', networkAllowed: false });
    const { run, asked } = harness(workspace, confinement);
    const outcome = await run('echo ok > made.txt && mkdir sub && cp made.txt sub/ && sed -i s/ok/yes/ sub/made.txt && echo x | tee t.txt >/dev/null && rm inside.txt && echo tmp > "$TMPDIR/t" && cat "$TMPDIR/t" && echo "$TMPDIR"');
    assert.equal(outcome.ok, true, outcome.output);
    assert.match(outcome.output, /\ntmp\n\/tmp\n$/);
    assert.deepEqual(asked, []);
    assert.equal(await readFile(join(workspace, 'made.txt'), 'utf8'), 'ok\n');
    assert.equal(await readFile(join(workspace, 'sub', 'made.txt'), 'utf8'), 'yes\n');
    assert.equal(await readFile(join(workspace, 't.txt'), 'utf8'), 'x\n');
    await assert.rejects(readFile(join(workspace, 'inside.txt')));
  });

  it('network is off unless the user allows it: a 127.0.0.1 listener is unreachable from inside', async (t) => {
    if (requireBubblewrap(t) === undefined) return;
    let accepted = 0;
    const server: Server = createServer((socket) => { accepted += 1; socket.end(); });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      const { workspace } = await layout(join(roots[0] ?? '', 'net'));
      const connect = `exec 3<>/dev/tcp/127.0.0.1/${port} && echo connected`;

      const off = harness(workspace, await resolveShellConfinement({ approval: 'auto-in-workspace', sandbox: 'auto', networkAllowed: false }));
      const refused = await off.run(connect);
      assert.equal(refused.ok, false, refused.output);
      assert.doesNotMatch(refused.output, /connected/);
      assert.equal(accepted, 0, 'nothing reached the host listener');

      const on = harness(workspace, await resolveShellConfinement({ approval: 'auto-in-workspace', sandbox: 'auto', networkAllowed: true }));
      const reached = await on.run(connect);
      assert.equal(reached.ok, true, reached.output);
      assert.match(reached.output, /connected/);
      assert.equal(accepted, 1);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('a timeout or an abort ends the sandboxed command and everything it started', async (t) => {
    const bwrap = requireBubblewrap(t);
    if (bwrap === undefined) return;
    const { workspace } = await layout(join(roots[0] ?? '', 'kill'));
    const sandbox = { bwrap: bwrap.bwrap, writable: [workspace], network: false };
    const tag = `${30 + Math.floor(Math.random() * 1000) / 1000}`;
    const timed = await runShell({ command: `sleep ${tag} & sleep ${tag}`, cwd: workspace, timeoutMs: 300, maxOutputBytes: 4096, sandbox });
    assert.equal(timed.timedOut, true);
    assert.equal(await processesWith(`sleep ${tag}`), 0, 'no sleep survived the timeout');

    const controller = new AbortController();
    const running = runShell({ command: `trap '' TERM; sleep ${tag} & sleep ${tag}`, cwd: workspace, timeoutMs: 60_000, maxOutputBytes: 4096, sandbox, signal: controller.signal });
    setTimeout(() => controller.abort(), 300);
    const aborted = await running;
    assert.equal(aborted.aborted, true);
    assert.equal(await processesWith(`sleep ${tag}`), 0, 'no sleep survived the abort');

    // A background child is ended with the command, not left holding the pipes.
    const background = await runShell({ command: `sleep ${tag} & echo started`, cwd: workspace, timeoutMs: 60_000, maxOutputBytes: 4096, sandbox });
    assert.equal(background.output, 'started\n');
    assert.equal(await processesWith(`sleep ${tag}`), 0);
  });
});

describe('shell confinement without a sandbox', () => {
  let root: string;
  before(async () => { root = await mkdtemp(join(tmpdir(), 'spark-nosandbox-')); });
  after(async () => { await rm(root, { recursive: true, force: true }); });

  it('bwrap absent from PATH: auto-in-workspace asks before every command that may write, and a denial runs nothing', async () => {
    const empty = join(root, 'empty-path');
    await mkdir(empty);
    const confinement = await resolveShellConfinement({
      approval: 'auto-in-workspace', sandbox: 'auto', networkAllowed: false, probe: () => probeBubblewrap(empty),
    });
    assert.deepEqual(confinement, { type: 'none', reason: 'not_found', detail: 'bwrap is not on PATH (Debian and Ubuntu: apt install bubblewrap)' });
    assert.match(describeShellConfinement(confinement), /^none \(bwrap not found; install bubblewrap\): commands that may write ask first$/);
    const { workspace, sibling } = await layout(join(root, 'deny'));
    const marker = `spark-nosandbox-marker-${process.pid}`;
    const { run, asked } = harness(workspace, confinement, 'deny');
    const commands = hostileCommands(sibling, marker);
    for (const command of commands) {
      const outcome = await run(command);
      assert.match(outcome.output, /^The user declined/, command);
    }
    assert.deepEqual(asked.map((request) => request.kind === 'shell' ? request.command : ''), commands, 'every one was asked for');
    assert.match(asked[0]?.reason ?? '', /No sandbox confines shell commands here/);
    await assertUntouched(sibling, marker);

    // Read-only commands still run without asking.
    const read = await run('cat ../sibling/f && ls');
    assert.equal(read.ok, true, read.output);
    assert.match(read.output, /original/);
    assert.equal(asked.length, commands.length);
  });

  it('an approved write runs (unconfined: the user said yes)', async () => {
    const { workspace } = await layout(join(root, 'approve'));
    const { run, asked } = harness(workspace, { type: 'none', reason: 'off' }, 'approve');
    const outcome = await run('echo yes > approved.txt');
    assert.equal(outcome.ok, true, outcome.output);
    assert.equal(asked.length, 1);
    assert.equal(await readFile(join(workspace, 'approved.txt'), 'utf8'), 'yes\n');
  });

  it('bwrap present but failing (no user namespaces) counts as unusable, with its own words', async () => {
    const fake = join(root, 'fake-bin');
    await mkdir(fake);
    await writeFile(join(fake, 'bwrap'), '#!/bin/sh\necho "bwrap: No permissions to creating new namespace" >&2\nexit 1\n');
    await chmod(join(fake, 'bwrap'), 0o755);
    const probe = await probeBubblewrap(fake);
    assert.deepEqual(probe, { ok: false, reason: 'unusable', detail: 'bwrap: No permissions to creating new namespace' });
    assert.equal(await probeBubblewrap(fake), await probeBubblewrap(fake), 'probed once per PATH');
    const confinement = await resolveShellConfinement({ approval: 'auto-in-workspace', sandbox: 'auto', networkAllowed: false, probe: () => probeBubblewrap(fake) });
    assert.match(describeShellConfinement(confinement), /^none \(bwrap cannot run here: bwrap: No permissions/);
  });

  it('--sandbox off and the other approval modes never probe, and say what holds instead', async () => {
    const probe = (): Promise<BubblewrapProbe> => assert.fail('must not probe');
    const off = await resolveShellConfinement({ approval: 'auto-in-workspace', sandbox: 'off', networkAllowed: false, probe });
    assert.equal(describeShellConfinement(off), 'none (--sandbox off): commands that may write ask first');
    const ask = await resolveShellConfinement({ approval: 'ask', sandbox: 'auto', networkAllowed: false, probe });
    assert.equal(describeShellConfinement(ask), 'none (approval ask: commands that may write ask first)');
    const never = await resolveShellConfinement({ approval: 'never-ask', sandbox: 'auto', networkAllowed: false, probe });
    assert.equal(describeShellConfinement(never), 'none (approval never-ask: commands run unconfined)');
    // ask mode keeps asking for writes as before; never-ask keeps running them.
    const { workspace } = await layout(join(root, 'modes'));
    const asking = harness(workspace, ask, 'deny', 'ask');
    assert.match((await asking.run('echo x > ../sibling/f')).output, /^The user declined/);
    assert.equal(asking.asked.length, 1);
  });
});
