/** Where the sandbox mounts its private, empty temp folder (a tmpfs per command); TMPDIR points at it. */
export const SANDBOX_TMPDIR = '/tmp';

/** How bubblewrap confines one shell command. */
export interface BubblewrapSpec {
  /** The `bwrap` executable. */
  bwrap: string;
  /** Absolute, existing directories the command may write (the workspace); everything else is read-only. */
  writable: readonly string[];
  /** Share the host's network; otherwise the command gets its own network namespace with only a loopback. */
  network: boolean;
}

/**
 * bwrap's arguments to run `argv` in `cwd`: the whole file system read-only, a fresh /dev and
 * /proc, a private tmpfs on /tmp, the writable directories bound back read-write (after the
 * tmpfs, so a workspace under /tmp stays visible), its own PID namespace and, unless allowed,
 * no network.
 *
 * Lifetime: the caller spawns bwrap detached (a new session with no controlling terminal, stdin
 * /dev/null), so the command and its children share bwrap's process group and the caller's
 * group kill reaches them all. `--new-session` is deliberately not used: it would move the
 * command out of that group, and with no terminal reachable the TIOCSTI injection it guards
 * against cannot happen. `--unshare-pid` ends every leftover process when the command exits
 * (the namespace's init goes with it), and `--die-with-parent` ends the sandbox if bwrap
 * itself is killed.
 */
export function bubblewrapArgs(spec: BubblewrapSpec, cwd: string, argv: readonly string[]): string[] {
  return [
    '--ro-bind', '/', '/',
    '--dev', '/dev',
    '--proc', '/proc',
    '--tmpfs', SANDBOX_TMPDIR,
    ...spec.writable.flatMap((directory) => ['--bind', directory, directory]),
    '--unshare-pid',
    ...(spec.network ? [] : ['--unshare-net']),
    '--die-with-parent',
    '--chdir', cwd,
    '--',
    ...argv,
  ];
}
