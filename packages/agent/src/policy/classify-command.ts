// Classifies a shell command line by side effect, from the data in command-table.ts.
import { COMMAND_RULES, SCRIPT_RULES } from './command-table.js';
import type { CommandClass, CommandRule, FlagRule } from './command-table.js';
import { splitShellCommand } from './split-shell-command.js';
import type { SimpleCommand } from './split-shell-command.js';

/** Returns the union of the side-effect classes of every simple command in a command line. */
export function classifyCommand(command: string): ReadonlySet<CommandClass> {
  const split = splitShellCommand(command);
  const classes = new Set<CommandClass>();
  for (const simple of split.commands) {
    for (const c of classifySimpleCommand(simple)) classes.add(c);
  }
  if (!split.complete) classes.add('unknown');
  if (classes.size === 0) classes.add('read');
  return classes;
}

/** Classes of one simple command: its program's rule plus 'write' for redirections to files. */
export function classifySimpleCommand(command: SimpleCommand): ReadonlySet<CommandClass> {
  const classes = command.argv.length === 0 ? new Set<CommandClass>(['read']) : classifyArgv(command.argv);
  if (command.writes.length > 0) classes.add('write');
  return classes;
}

function classifyArgv(argv: readonly string[]): Set<CommandClass> {
  const word = argv[0] ?? '';
  const name = word.slice(word.lastIndexOf('/') + 1);
  const rule = Object.hasOwn(COMMAND_RULES, name) ? COMMAND_RULES[name] : undefined;
  return rule === undefined ? new Set(['unknown']) : matchRule(rule, argv.slice(1));
}

function matchRule(rule: CommandRule, args: readonly string[]): Set<CommandClass> {
  let out = new Set<CommandClass>(rule.classes ?? []);
  const optionEnd = args.indexOf('--');
  const options = (optionEnd < 0 ? args : args.slice(0, optionEnd)).filter((a) => a.startsWith('-'));
  for (const flagRule of rule.flags ?? []) {
    if (!options.some((option) => flagMatches(flagRule, option))) continue;
    if (flagRule.replace === true) out = new Set();
    for (const c of flagRule.classes) out.add(c);
  }
  const positionals = positionalIndexes(args, rule.optionsWithValue ?? []);
  const first = positionals[0];
  const hasSubcommands = rule.subcommands !== undefined || rule.otherSubcommand !== undefined;
  if (first === undefined) {
    for (const c of rule.bare ?? []) out.add(c);
  } else if (rule.script === true) {
    addAll(out, classifyScript(args[first] ?? '', args.slice(first + 1), false));
  } else if (rule.eachPositional === true) {
    for (const index of positionals) addAll(out, matchSubcommand(rule, args, index));
  } else if (hasSubcommands) {
    addAll(out, matchSubcommand(rule, args, first));
  } else {
    for (const c of rule.positional ?? []) out.add(c);
  }
  if (out.size === 0) out.add('unknown');
  return out;
}

function matchSubcommand(rule: CommandRule, args: readonly string[], index: number): ReadonlySet<CommandClass> {
  const name = args[index] ?? '';
  const sub = rule.subcommands !== undefined && Object.hasOwn(rule.subcommands, name) ? rule.subcommands[name] : rule.otherSubcommand;
  if (sub === undefined) return new Set(['unknown']);
  if (sub === 'script') return classifyScript(name, args.slice(index + 1), true);
  return matchRule(sub, args.slice(index + 1));
}

/** A package script by its name; `orBinary` also tries it as a program (`yarn vitest`). */
function classifyScript(name: string, rest: readonly string[], orBinary: boolean): ReadonlySet<CommandClass> {
  const match = SCRIPT_RULES.find((r) => r.pattern.test(name));
  if (match !== undefined) return new Set(match.classes);
  return orBinary ? classifyArgv([name, ...rest]) : new Set(['unknown']);
}

/** Indexes of the positional arguments, skipping options and the values they take. */
function positionalIndexes(args: readonly string[], optionsWithValue: readonly string[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    if (arg === '--') break;
    if (arg.startsWith('-') && arg !== '-') {
      if (optionsWithValue.includes(arg)) i++;
      continue;
    }
    out.push(i);
  }
  return out;
}

function flagMatches(rule: FlagRule, option: string): boolean {
  return rule.flags.some((flag) =>
    option === flag || option.startsWith(`${flag}=`) || (rule.prefix === true && option.startsWith(flag)));
}

function addAll(into: Set<CommandClass>, from: ReadonlySet<CommandClass>): void {
  for (const c of from) into.add(c);
}
