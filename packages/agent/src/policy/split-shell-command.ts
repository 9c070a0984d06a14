// A small shell lexer, good enough to classify a command line: it finds every simple command
// (including those inside $(...), backticks and `bash -c` scripts) and the files it redirects to.
import { MODULE_RUNNERS, NON_WRITING_TARGETS, SHELLS, WRAPPERS } from './command-table.js';

/** How deep `bash -c` scripts and substitutions may nest before the line counts as incomplete. */
export const MAX_NESTING_DEPTH = 8;
/** How many wrappers (`sudo timeout 5 env X=1 ...`) are seen through on one command. */
export const MAX_WRAPPERS = 16;

/** One simple command with its wrappers and assignments stripped. */
export interface SimpleCommand {
  /** Program and arguments; empty for a bare assignment or redirection. */
  readonly argv: readonly string[];
  /** Wrappers seen through, outermost first (`['sudo', 'timeout']`). */
  readonly wrappers: readonly string[];
  /** Files written by output redirections (not /dev/null, not fd duplications like `2>&1`). */
  readonly writes: readonly string[];
}

/** The simple commands of a command line; `complete` is false for unbalanced quotes or nesting too deep. */
export interface ShellCommandSplit {
  readonly commands: readonly SimpleCommand[];
  readonly complete: boolean;
}

/** Stands in for the text of a command or process substitution inside a word. */
export const SUBSTITUTION_PLACEHOLDER = '$(…)';

interface SplitState {
  readonly commands: SimpleCommand[];
  complete: boolean;
}

/** Splits a command line into simple commands on `&&`, `||`, `;`, `|`, `&` and newlines. */
export function splitShellCommand(line: string): ShellCommandSplit {
  const state: SplitState = { commands: [], complete: true };
  parseScript(line, 0, state);
  return { commands: state.commands, complete: state.complete };
}

function parseScript(src: string, depth: number, state: SplitState): void {
  if (depth > MAX_NESTING_DEPTH) {
    state.complete = false;
    return;
  }
  new Lexer(src, depth, state).parseList(null);
}

const REDIRECT = /(?:\d+|&)?(?:>>|>\||>&|>|<<<|<<-|<<|<&|<>|<)/y;
const OPERATOR = /&&|\|\||;;|;&|\|&|[;&|]/y;
const WORD_END = new Set([' ', '\t', '\n', ';', '&', '|', '(', ')', '<', '>']);
const FD_TARGET = /^(?:\d+-?|-)$/;
const OPENING_KEYWORDS = new Set(['if', 'then', 'else', 'elif', 'do', 'while', 'until', '!', '{']);
const CLOSING_KEYWORDS = new Set(['fi', 'done', 'esac', '}']);
const HEADER_KEYWORDS = new Set(['for', 'select', 'case', 'function']);

class Lexer {
  pos = 0;
  private readonly heredocs: { delimiter: string; stripTabs: boolean }[] = [];

  constructor(
    private readonly src: string,
    private readonly depth: number,
    private readonly state: SplitState,
    start = 0,
  ) {
    this.pos = start;
  }

  /** Parses commands until `terminator` (consumed) or the end of the input. */
  parseList(terminator: ')' | '`' | null): void {
    let words: string[] = [];
    let writes: string[] = [];
    let parens = 0;
    const flush = (): void => {
      if (words.length > 0 || writes.length > 0) this.finish(words, writes);
      words = [];
      writes = [];
    };
    while (this.pos < this.src.length) {
      const c = this.src.charAt(this.pos);
      const next = this.src.charAt(this.pos + 1);
      if (c === ' ' || c === '\t' || c === '\r') { this.pos++; continue; }
      if (c === '\\' && next === '\n') { this.pos += 2; continue; }
      if (c === '\n') { this.pos++; flush(); this.skipHeredocs(); continue; }
      if (c === '#') { this.skipComment(); continue; }
      if (c === '`' && terminator === '`') { this.pos++; flush(); return; }
      if (c === ')') {
        this.pos++;
        flush();
        if (parens > 0) { parens--; continue; }
        if (terminator === ')') return;
        this.state.complete = false;
        continue;
      }
      if (c === '(') {
        this.pos++;
        flush();
        parens++;
        continue;
      }
      if ((c === '<' || c === '>') && next === '(') {
        this.pos += 2;
        this.parseNested(')');
        words.push(SUBSTITUTION_PLACEHOLDER);
        continue;
      }
      REDIRECT.lastIndex = this.pos;
      const redirect = REDIRECT.exec(this.src);
      if (redirect !== null && (c !== '&' || redirect[0].length > 1)) {
        this.pos += redirect[0].length;
        this.redirect(redirect[0], writes, terminator);
        continue;
      }
      OPERATOR.lastIndex = this.pos;
      const operator = OPERATOR.exec(this.src);
      if (operator !== null) {
        this.pos += operator[0].length;
        flush();
        continue;
      }
      words.push(this.readWord(terminator));
    }
    flush();
    if (terminator !== null) this.state.complete = false;
  }

  private redirect(operator: string, writes: string[], terminator: ')' | '`' | null): void {
    while (this.src.charAt(this.pos) === ' ' || this.src.charAt(this.pos) === '\t') this.pos++;
    if (this.pos >= this.src.length || WORD_END.has(this.src.charAt(this.pos))) {
      this.state.complete = false;
      return;
    }
    const target = this.readWord(terminator);
    const op = operator.replace(/^(?:\d+|&)/, '');
    if (op === '<<' || op === '<<-') {
      this.heredocs.push({ delimiter: target, stripTabs: op === '<<-' });
      return;
    }
    if (!op.includes('>')) return;
    if (op === '>&' && FD_TARGET.test(target)) return;
    if (NON_WRITING_TARGETS.includes(target) || /^\/dev\/fd\/\d+$/.test(target)) return;
    writes.push(target);
  }

  /** Reads one word, removing quotes and escapes; substitutions become a placeholder. */
  private readWord(terminator: ')' | '`' | null): string {
    let text = '';
    while (this.pos < this.src.length) {
      const c = this.src.charAt(this.pos);
      if (WORD_END.has(c) || c === '\r') break;
      if (c === '`') {
        if (terminator === '`') break;
        this.pos++;
        this.parseNested('`');
        text += SUBSTITUTION_PLACEHOLDER;
        continue;
      }
      if (c === '\\') {
        const escaped = this.src.charAt(this.pos + 1);
        if (escaped !== '\n') text += escaped;
        this.pos += 2;
        continue;
      }
      if (c === "'") {
        const end = this.src.indexOf("'", this.pos + 1);
        if (end < 0) {
          this.state.complete = false;
          text += this.src.slice(this.pos + 1);
          this.pos = this.src.length;
          break;
        }
        text += this.src.slice(this.pos + 1, end);
        this.pos = end + 1;
        continue;
      }
      if (c === '"') {
        text += this.readDoubleQuoted();
        continue;
      }
      if (c === '$') {
        text += this.readDollar();
        continue;
      }
      text += c;
      this.pos++;
    }
    return text;
  }

  private readDoubleQuoted(): string {
    let text = '';
    this.pos++;
    while (this.pos < this.src.length) {
      const c = this.src.charAt(this.pos);
      if (c === '"') {
        this.pos++;
        return text;
      }
      if (c === '\\') {
        const escaped = this.src.charAt(this.pos + 1);
        if (escaped === '\n') { /* line continuation */ }
        else if ('$`"\\'.includes(escaped)) text += escaped;
        else text += c + escaped;
        this.pos += 2;
        continue;
      }
      if (c === '`') {
        this.pos++;
        this.parseNested('`');
        text += SUBSTITUTION_PLACEHOLDER;
        continue;
      }
      if (c === '$') {
        text += this.readDollar();
        continue;
      }
      text += c;
      this.pos++;
    }
    this.state.complete = false;
    return text;
  }

  /** `$(...)` is parsed as nested commands; `$((...))` and `${...}` are kept as text. */
  private readDollar(): string {
    const next = this.src.charAt(this.pos + 1);
    if (next === '(' && this.src.charAt(this.pos + 2) === '(') return this.readBalanced('(', ')');
    if (next === '(') {
      this.pos += 2;
      this.parseNested(')');
      return SUBSTITUTION_PLACEHOLDER;
    }
    if (next === '{') return this.readBalanced('{', '}');
    this.pos++;
    return '$';
  }

  private readBalanced(open: string, close: string): string {
    const start = this.pos;
    let level = 0;
    while (this.pos < this.src.length) {
      const c = this.src.charAt(this.pos++);
      if (c === open) level++;
      else if (c === close && --level === 0) return this.src.slice(start, this.pos);
    }
    this.state.complete = false;
    return this.src.slice(start);
  }

  private parseNested(terminator: ')' | '`'): void {
    if (this.depth + 1 > MAX_NESTING_DEPTH) {
      this.state.complete = false;
      this.pos = this.src.length;
      return;
    }
    const nested = new Lexer(this.src, this.depth + 1, this.state, this.pos);
    nested.parseList(terminator);
    this.pos = nested.pos;
  }

  private skipComment(): void {
    const end = this.src.indexOf('\n', this.pos);
    this.pos = end < 0 ? this.src.length : end;
  }

  private skipHeredocs(): void {
    for (const { delimiter, stripTabs } of this.heredocs.splice(0)) {
      while (this.pos < this.src.length) {
        const end = this.src.indexOf('\n', this.pos);
        const lineEnd = end < 0 ? this.src.length : end;
        let line = this.src.slice(this.pos, lineEnd);
        this.pos = end < 0 ? this.src.length : end + 1;
        if (stripTabs) line = line.replace(/^\t+/, '');
        if (line === delimiter) break;
      }
    }
  }

  /** Records one simple command after seeing through keywords and wrappers. */
  private finish(words: readonly string[], writes: readonly string[]): void {
    let args = stripKeywords(words);
    if (args.length === 0 && writes.length === 0) return;
    const wrappers: string[] = [];
    for (let seen = 0; seen < MAX_WRAPPERS && args.length > 0; seen++) {
      args = dropAssignments(args);
      const name = programName(args[0]);
      if (name === undefined) break;
      if (SHELLS.includes(name)) {
        const script = shellScript(args);
        if (script === undefined) break;
        parseScript(script, this.depth + 1, this.state);
        if (writes.length === 0) return;
        wrappers.push(name);
        args = [];
        break;
      }
      if (MODULE_RUNNERS.includes(name) && args[1] === '-m' && args.length > 2) {
        wrappers.push(`${name} -m`);
        args = args.slice(2);
        continue;
      }
      const twoWords = `${name} ${args[1] ?? ''}`;
      const key = Object.hasOwn(WRAPPERS, twoWords) ? twoWords : Object.hasOwn(WRAPPERS, name) ? name : undefined;
      const wrapper = key === undefined ? undefined : WRAPPERS[key];
      if (key === undefined || wrapper === undefined) break;
      if (wrapper.selfWhen?.some((flag) => args.includes(flag)) === true) break;
      const inner = skipWrapperOptions(args.slice(key.split(' ').length), wrapper.optionsWithValue ?? [], wrapper.leadingPositionals ?? 0);
      if (dropAssignments(inner).length === 0) break;
      wrappers.push(key);
      args = inner;
    }
    if (programName(args[0]) === 'find') args = this.extractFindExec(args);
    this.state.commands.push({ argv: args, wrappers, writes: [...writes] });
  }

  /** `find -exec cmd {} ;` runs cmd: classify it as its own command. */
  private extractFindExec(args: readonly string[]): string[] {
    const kept: string[] = [];
    for (let i = 0; i < args.length; i++) {
      const arg = args[i] ?? '';
      if (!['-exec', '-execdir', '-ok', '-okdir'].includes(arg)) {
        kept.push(arg);
        continue;
      }
      let end = i + 1;
      while (end < args.length && args[end] !== ';' && args[end] !== '+') end++;
      this.finish(args.slice(i + 1, end), []);
      i = end;
    }
    return kept;
  }
}

function programName(word: string | undefined): string | undefined {
  if (word === undefined || word === '') return undefined;
  return word.slice(word.lastIndexOf('/') + 1);
}

function dropAssignments(args: readonly string[]): readonly string[] {
  let i = 0;
  while (i < args.length && /^[A-Za-z_][A-Za-z0-9_]*\+?=/.test(args[i] ?? '')) i++;
  return args.slice(i);
}

function stripKeywords(words: readonly string[]): readonly string[] {
  let i = 0;
  while (i < words.length && (OPENING_KEYWORDS.has(words[i] ?? '') || CLOSING_KEYWORDS.has(words[i] ?? ''))) i++;
  const rest = words.slice(i);
  return HEADER_KEYWORDS.has(rest[0] ?? '') ? [] : rest;
}

/** The script of `bash -c 'script'` (also `-lc`, `-ec`), or undefined when a file runs. */
function shellScript(args: readonly string[]): string | undefined {
  let sawC = false;
  for (let i = 1; i < args.length; i++) {
    const arg = args[i] ?? '';
    if (arg === '-o' || arg === '+o') { i++; continue; }
    if (/^-[A-Za-z]*c[A-Za-z]*$/.test(arg)) { sawC = true; continue; }
    if (arg.startsWith('-') || arg.startsWith('+')) continue;
    return sawC ? arg : undefined;
  }
  return undefined;
}

function skipWrapperOptions(args: readonly string[], optionsWithValue: readonly string[], leadingPositionals: number): readonly string[] {
  let i = 0;
  while (i < args.length) {
    const arg = args[i] ?? '';
    if (arg === '--') { i++; break; }
    if (!arg.startsWith('-') || arg === '-') break;
    i += optionsWithValue.includes(arg) ? 2 : 1;
  }
  return args.slice(Math.min(i + leadingPositionals, args.length));
}
