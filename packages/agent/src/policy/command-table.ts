// The data behind command classification: which programs read, build, test, reach the network or
// write. Extend these tables rather than adding branches to the classifier.

/** A side-effect class of a shell command; 'unknown' is treated as 'write' by the policy. */
export type CommandClass = 'read' | 'build' | 'test' | 'network' | 'write' | 'unknown';

/** Flags that add classes (or, with `replace`, stand in for the rule's own classes). */
export interface FlagRule {
  readonly flags: readonly string[];
  readonly classes: readonly CommandClass[];
  /** Match any argument that starts with a listed flag (`-i.bak` for `-i`). */
  readonly prefix?: boolean;
  /** The flag changes what the command is (`git config --get` only reads). */
  readonly replace?: boolean;
}

/** How one program (or one subcommand of it) is classified. */
export interface CommandRule {
  /** Classes the command always has. */
  readonly classes?: readonly CommandClass[];
  /** Classes when no positional argument follows (bare `git branch` lists branches). */
  readonly bare?: readonly CommandClass[];
  /** Classes added when a positional argument follows (`git branch new` creates one). */
  readonly positional?: readonly CommandClass[];
  /** Options that take the next word as their value, so it is not taken for a subcommand. */
  readonly optionsWithValue?: readonly string[];
  readonly flags?: readonly FlagRule[];
  /** Rules keyed by the first positional argument. */
  readonly subcommands?: Readonly<Record<string, CommandRule>>;
  /** An unlisted subcommand: a package script name (`yarn build`), or a rule; default unknown. */
  readonly otherSubcommand?: CommandRule | 'script';
  /** Every positional is a target or phase (`make clean test`); the classes are their union. */
  readonly eachPositional?: boolean;
  /** The first positional is a package script name (`npm run test:unit`). */
  readonly script?: boolean;
}

/** A program that runs another command given after its own options. */
export interface WrapperRule {
  readonly optionsWithValue?: readonly string[];
  /** Positionals before the wrapped command (`timeout 30s cmd`). */
  readonly leadingPositionals?: number;
  /** With one of these flags the wrapper is the command itself (`command -v node`). */
  readonly selfWhen?: readonly string[];
}

const READ = ['read'] as const;
const BUILD = ['build'] as const;
const TEST = ['test'] as const;
const NETWORK = ['network'] as const;
const WRITE = ['write'] as const;
const INSTALL = ['network', 'write'] as const;
const UNKNOWN = ['unknown'] as const;

const read: CommandRule = { classes: READ };
const build: CommandRule = { classes: BUILD };
const test: CommandRule = { classes: TEST };
const network: CommandRule = { classes: NETWORK };
const write: CommandRule = { classes: WRITE };
const install: CommandRule = { classes: INSTALL };

function rules(names: readonly string[], rule: CommandRule): Record<string, CommandRule> {
  return Object.fromEntries(names.map((name) => [name, rule]));
}

/** Output redirection targets that write no file. */
export const NON_WRITING_TARGETS: readonly string[] = ['/dev/null', '/dev/stdout', '/dev/stderr', '/dev/tty'];

/** Shells whose `-c` script is split and classified in turn. */
export const SHELLS: readonly string[] = ['sh', 'bash', 'zsh', 'dash', 'ksh'];

/** Programs whose `-m module` runs that module as the command (`python -m pytest`). */
export const MODULE_RUNNERS: readonly string[] = ['python', 'python3', 'py'];

/** Wrappers seen through, keyed by program or by `program subcommand`. */
export const WRAPPERS: Readonly<Record<string, WrapperRule>> = {
  env: { optionsWithValue: ['-u', '--unset', '-C', '--chdir', '-S'] },
  sudo: { optionsWithValue: ['-u', '-g', '-h', '-p', '-C', '-D', '-r', '-t', '-U'] },
  doas: { optionsWithValue: ['-u', '-C'] },
  timeout: { optionsWithValue: ['-s', '--signal', '-k', '--kill-after'], leadingPositionals: 1 },
  nice: { optionsWithValue: ['-n', '--adjustment'] },
  ionice: { optionsWithValue: ['-c', '-n', '-p'] },
  stdbuf: { optionsWithValue: ['-i', '-o', '-e'] },
  nohup: {},
  time: {},
  exec: { optionsWithValue: ['-a'] },
  builtin: {},
  command: { selfWhen: ['-v', '-V'] },
  watch: { optionsWithValue: ['-n', '--interval', '-d'] },
  xargs: { optionsWithValue: ['-n', '-I', '-L', '-P', '-d', '-E', '-s', '-a', '--max-args', '--max-procs', '--delimiter', '--arg-file'] },
  npx: { optionsWithValue: ['-p', '--package', '-c', '--call'] },
  pnpx: {},
  bunx: {},
  'npm exec': { optionsWithValue: ['-p', '--package', '-c', '--call', '-w', '--workspace'] },
  'npm x': { optionsWithValue: ['-p', '--package'] },
  'pnpm exec': { optionsWithValue: ['-C', '--dir', '--filter', '-F'] },
  'pnpm dlx': { optionsWithValue: ['--package'] },
  'yarn exec': {},
  'yarn dlx': { optionsWithValue: ['-p', '--package'] },
  'bun x': {},
  'uv run': { optionsWithValue: ['--with', '--python', '-p', '--project', '--directory'] },
  'poetry run': {},
  'pipenv run': {},
  'bundle exec': {},
};

/** Package script names (npm run NAME, yarn NAME): first match wins; no match is unknown. */
export const SCRIPT_RULES: readonly { readonly pattern: RegExp; readonly classes: readonly CommandClass[] }[] = [
  { pattern: /(^|[:_.-])(test|tests|spec|e2e|coverage|cov|bench)([:_.-]|$)/, classes: TEST },
  { pattern: /(^|[:_.-])(fix|format|fmt|prettier|clean)([:_.-]|$)/, classes: WRITE },
  { pattern: /(^|[:_.-])(build|compile|bundle|typecheck|type-check|types|tsc|lint|check)([:_.-]|$)/, classes: BUILD },
];

const GIT_READS = [
  'status', 'diff', 'log', 'show', 'blame', 'annotate', 'rev-parse', 'ls-files', 'ls-tree', 'cat-file',
  'describe', 'shortlog', 'reflog', 'grep', 'whatchanged', 'merge-base', 'name-rev', 'rev-list',
  'for-each-ref', 'show-ref', 'count-objects', 'version', 'help', 'check-ignore', 'var', 'range-diff',
];
const GIT_WRITES = [
  'commit', 'checkout', 'switch', 'reset', 'apply', 'am', 'merge', 'rebase', 'cherry-pick', 'revert',
  'add', 'rm', 'mv', 'restore', 'clean', 'init', 'gc', 'prune', 'notes', 'update-index', 'worktree',
  'format-patch', 'bisect', 'replace', 'filter-branch',
];
const BRANCH_WRITE_FLAGS = [
  '-d', '-D', '-m', '-M', '-c', '-C', '-f', '-u', '--delete', '--move', '--copy', '--force',
  '--set-upstream-to', '--unset-upstream', '--edit-description',
];

const git: CommandRule = {
  optionsWithValue: ['-C', '-c', '--git-dir', '--work-tree', '--namespace', '--exec-path'],
  bare: READ,
  subcommands: {
    ...rules(GIT_READS, read),
    ...rules(GIT_WRITES, write),
    ...rules(['fetch', 'push', 'ls-remote'], network),
    ...rules(['pull', 'clone'], install),
    branch: { classes: READ, positional: WRITE, flags: [{ flags: BRANCH_WRITE_FLAGS, classes: WRITE }] },
    tag: { classes: READ, positional: WRITE, flags: [{ flags: ['-d', '--delete', '-a', '-s', '-f'], classes: WRITE }] },
    stash: { bare: WRITE, subcommands: { list: read, show: read }, otherSubcommand: write },
    remote: {
      bare: READ,
      subcommands: { 'get-url': read, show: network, update: network, prune: install },
      otherSubcommand: write,
    },
    submodule: { bare: READ, subcommands: { status: read, summary: read, foreach: { classes: UNKNOWN } }, otherSubcommand: install },
    config: {
      classes: WRITE,
      flags: [{ flags: ['--get', '--get-all', '--get-regexp', '--list', '-l'], classes: READ, replace: true }],
    },
  },
};

const npmInstall = ['install', 'i', 'in', 'ins', 'isntall', 'add', 'ci', 'update', 'up', 'upgrade', 'link'];
const npm: CommandRule = {
  optionsWithValue: ['--prefix', '-w', '--workspace', '-C'],
  bare: READ,
  subcommands: {
    ...rules(['test', 't', 'tst'], test),
    ...rules(['run', 'run-script', 'rum', 'urn'], { script: true, bare: READ }),
    ...rules(npmInstall, install),
    ...rules(['install-test', 'it', 'cit', 'install-ci-test'], { classes: ['network', 'write', 'test'] }),
    ...rules(['uninstall', 'remove', 'rm', 'un', 'r', 'unlink', 'prune', 'dedupe', 'pack', 'version', 'init', 'cache'], write),
    ...rules(['publish', 'view', 'info', 'show', 'v', 'search', 'whoami', 'ping', 'doctor', 'outdated', 'deprecate'], network),
    ...rules(['ls', 'list', 'll', 'la', 'root', 'prefix', 'bin', 'help', 'explain', 'why', 'query', 'fund'], read),
    ...rules(['start', 'stop', 'restart'], { classes: UNKNOWN }),
    audit: { classes: NETWORK, subcommands: { fix: write }, otherSubcommand: read },
    config: { subcommands: { get: read, list: read, ls: read }, otherSubcommand: write },
  },
};

/** yarn, pnpm and bun: listed subcommands, anything else runs a package script or binary. */
function packageManager(extra: Readonly<Record<string, CommandRule>>): CommandRule {
  return {
    optionsWithValue: ['--cwd', '-C', '--dir', '--filter', '-F'],
    subcommands: {
      ...rules(['test', 't'], test),
      run: { script: true, bare: READ },
      ...rules(['install', 'i', 'add', 'update', 'up', 'upgrade', 'import'], install),
      ...rules(['remove', 'rm', 'uninstall', 'un', 'unlink', 'link', 'prune', 'pack', 'version', 'init', 'create'], write),
      ...rules(['info', 'view', 'publish', 'outdated', 'audit', 'npm', 'whoami'], network),
      ...rules(['why', 'list', 'ls', 'bin', 'root', 'config', 'help', '--version', '-v'], read),
      ...extra,
    },
    otherSubcommand: 'script',
  };
}

const mavenLike: CommandRule = {
  optionsWithValue: ['-f', '-pl', '-P', '-D', '-s', '-b', '--file', '--projects', '-p', '--project-dir'],
  eachPositional: true,
  bare: BUILD,
  subcommands: {
    ...rules(['test', 'verify', 'integration-test', 'check', 'connectedCheck', 'connectedAndroidTest'], test),
    ...rules(['deploy', 'publish'], install),
    ...rules(['clean'], write),
    ...rules(['tasks', 'help', 'dependencies', 'properties', 'projects', '--version', '-v'], read),
  },
  otherSubcommand: build,
};

const pip: CommandRule = {
  subcommands: {
    ...rules(['install', 'download'], install),
    uninstall: write,
    ...rules(['list', 'show', 'freeze', 'check', '--version'], read),
  },
};

/** Every program the classifier knows; the key is the program's base name. */
export const COMMAND_RULES: Readonly<Record<string, CommandRule>> = {
  ...rules([
    'ls', 'll', 'la', 'dir', 'cat', 'bat', 'less', 'more', 'head', 'tail', 'wc', 'grep', 'egrep', 'fgrep', 'rg', 'ag',
    'ack', 'fd', 'tree', 'pwd', 'echo', 'printf', 'which', 'whereis', 'type', 'file', 'stat', 'du', 'df', 'diff',
    'cmp', 'uniq', 'cut', 'tr', 'awk', 'jq', 'basename', 'dirname', 'realpath', 'readlink', 'date', 'whoami', 'id',
    'uname', 'hostname', 'env', 'printenv', 'true', 'false', 'test', '[', '[[', 'sleep', 'cd', 'pushd', 'popd',
    'export', 'unset', 'set', 'nl', 'od', 'xxd', 'hexdump', 'strings', 'md5sum', 'sha1sum', 'sha256sum', 'shasum',
    'base64', 'column', 'comm', 'join', 'paste', 'fold', 'fmt', 'rev', 'seq', 'tac', 'zcat', 'zgrep', 'man', 'help',
    'ps', 'free', 'uptime', 'nproc', 'locale', 'lsof', 'command', 'xargs', 'exit', 'return', 'wait', 'read', ':',
  ], read),
  find: {
    classes: READ,
    flags: [{ flags: ['-delete', '-fprint', '-fprintf', '-fls'], classes: WRITE }],
  },
  sed: { classes: READ, flags: [{ flags: ['-i', '--in-place'], classes: WRITE, prefix: true, replace: true }] },
  sort: { classes: READ, flags: [{ flags: ['-o', '--output'], classes: WRITE, prefix: true }] },
  yq: { classes: READ, flags: [{ flags: ['-i', '--inplace'], classes: WRITE }] },
  ...rules([
    'rm', 'rmdir', 'mv', 'cp', 'mkdir', 'touch', 'ln', 'chmod', 'chown', 'chgrp', 'tee', 'dd', 'truncate',
    'shred', 'install', 'patch', 'unzip', 'tar', 'gzip', 'gunzip', 'zip', 'bzip2', 'xz', 'mktemp', 'gofmt',
    'black', 'isort', 'unlink',
  ], write),
  ...rules([
    'curl', 'http', 'https', 'ssh', 'sftp', 'ftp', 'nc', 'telnet', 'ping', 'dig', 'nslookup', 'host',
    'traceroute', 'gh',
  ], network),
  ...rules(['wget', 'scp', 'rsync'], install),
  ...rules([
    'tsc', 'gcc', 'g++', 'clang', 'clang++', 'cc', 'c++', 'javac', 'rustc', 'webpack', 'rollup', 'esbuild',
    'tsup', 'swc', 'babel', 'ninja', 'mypy', 'pyright', 'flake8', 'pylint', 'stylelint', 'shellcheck', 'tsx',
  ], build),
  ...rules([
    'jest', 'vitest', 'mocha', 'ava', 'tap', 'karma', 'jasmine', 'pytest', 'py.test', 'tox', 'nox', 'phpunit',
    'rspec', 'ctest', 'unittest', 'nextest',
  ], test),
  eslint: { classes: BUILD, flags: [{ flags: ['--fix'], classes: WRITE }] },
  prettier: { classes: READ, flags: [{ flags: ['--write', '-w'], classes: WRITE }, { flags: ['--check', '-c'], classes: BUILD }] },
  biome: { subcommands: { check: build, lint: build, ci: build, format: write }, flags: [{ flags: ['--write', '--fix', '--apply'], classes: WRITE }] },
  ruff: { subcommands: { check: build, format: write }, flags: [{ flags: ['--fix'], classes: WRITE }] },
  make: { optionsWithValue: ['-C', '-f', '-j', '--directory', '--file'], eachPositional: true, bare: BUILD, subcommands: { test: test, check: test, clean: write, install: write }, otherSubcommand: build },
  cmake: { classes: BUILD },
  mvn: mavenLike,
  gradle: mavenLike,
  gradlew: mavenLike,
  cargo: {
    optionsWithValue: ['-p', '--package', '--manifest-path', '-Z'],
    subcommands: {
      ...rules(['build', 'b', 'check', 'c', 'clippy', 'doc', 'tree', 'metadata'], build),
      ...rules(['test', 't', 'bench', 'nextest'], test),
      ...rules(['install', 'fetch', 'update', 'add', 'search', 'publish'], install),
      ...rules(['clean', 'remove', 'rm', 'new', 'init'], write),
      fmt: { classes: WRITE, flags: [{ flags: ['--check'], classes: BUILD, replace: true }] },
      ...rules(['--version', 'version', 'help'], read),
    },
  },
  go: {
    subcommands: {
      ...rules(['build', 'vet'], build),
      test: test,
      ...rules(['get', 'install'], install),
      mod: { subcommands: { download: install, tidy: install, graph: read, why: read, verify: network }, otherSubcommand: write },
      ...rules(['fmt', 'generate', 'clean'], write),
      ...rules(['version', 'env', 'list', 'doc', 'help'], read),
    },
  },
  git,
  npm,
  yarn: { ...packageManager({}), bare: INSTALL },
  pnpm: packageManager({}),
  bun: packageManager({ build: build }),
  deno: { subcommands: { test: test, check: build, lint: build, fmt: write, install: install, task: { script: true } }, otherSubcommand: { classes: UNKNOWN } },
  node: {
    flags: [
      { flags: ['--test'], classes: TEST },
      { flags: ['-v', '--version', '-c', '--check', '-h', '--help'], classes: READ },
    ],
  },
  playwright: { subcommands: { test: test, install: install, 'show-report': read } },
  cypress: { subcommands: { run: test, open: test, install: install, verify: read } },
  ...rules(['pip', 'pip3'], pip),
  uv: { subcommands: { pip: { subcommands: { install: install, sync: install, uninstall: write, list: read } }, sync: install, add: install, remove: write, lock: install } },
  poetry: { subcommands: { install: install, add: install, update: install, lock: install, remove: write, show: read, build: build } },
  gem: { subcommands: { install: install, list: read } },
  bundle: { bare: INSTALL, subcommands: { install: install, update: install, list: read } },
  brew: { subcommands: { install: install, upgrade: install, update: install, uninstall: write, list: read, info: read } },
  apt: { subcommands: { install: install, update: install, upgrade: install, remove: write, search: read, list: read } },
  'apt-get': { subcommands: { install: install, update: install, upgrade: install, remove: write } },
  dotnet: { subcommands: { build: build, test: test, restore: install, add: install } },
  swift: { subcommands: { build: build, test: test } },
  mix: { subcommands: { compile: build, test: test, 'deps.get': install } },
  rake: { subcommands: { test: test, spec: test }, otherSubcommand: { classes: UNKNOWN } },
  vite: { bare: UNKNOWN, subcommands: { build: build, optimize: build } },
  next: { subcommands: { build: build, lint: build } },
  nuxt: { subcommands: { build: build } },
  zig: { subcommands: { build: build, test: test } },
};
