/** One rewrite-style request of the edit workload: a file, the change asked for, and the expected new file. */
export interface EditPrompt {
  readonly name: string;
  readonly language: string;
  readonly lines: number;
  readonly instruction: string;
  readonly file: string;
  /** The file with the edit applied: what a client would send as `prediction`. */
  readonly expected: string;
}

const NOUNS = ['user', 'order', 'item', 'cart', 'price', 'total', 'count', 'record', 'entry', 'token', 'session', 'config', 'buffer', 'packet', 'route', 'event', 'queue', 'score', 'limit', 'offset'];
const VERBS = ['load', 'parse', 'compute', 'render', 'update', 'format', 'check', 'merge', 'split', 'build', 'encode', 'decode', 'apply', 'collect', 'filter'];

/** A small deterministic generator, so every run of the bench sees the same files. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 0x100000000;
  };
}

function pick<T>(list: readonly T[], rand: () => number): T {
  const value = list[Math.floor(rand() * list.length)];
  if (value === undefined) throw new Error('empty list');
  return value;
}

interface Unit { name: string; text: string }

interface Language {
  name: string;
  fence: string;
  header: (constant: string, value: number) => string;
  unit: (name: string, a: string, b: string, constant: string, rand: () => number) => string;
  /** Adds a parameter `flag` to the function `name` (declaration only; the edit asks for that). */
  addParameter: (text: string, name: string) => string;
}

const cap = (word: string): string => word.charAt(0).toUpperCase() + word.slice(1);

const LANGUAGES: readonly Language[] = [
  {
    name: 'TypeScript', fence: 'ts',
    header: (c, v) => `import { readFile } from 'node:fs/promises';\n\nexport const ${c} = ${v};\n`,
    unit: (n, a, b, c, r) => `export function ${n}(${a}: number, ${b}: number): number {\n  const scaled = ${a} * ${Math.floor(r() * 9) + 2};\n  if (scaled > ${c}) {\n    return scaled - ${b};\n  }\n  return scaled + ${b} * ${Math.floor(r() * 5) + 1};\n}\n`,
    addParameter: (t, n) => t.replace(`export function ${n}(`, `export function ${n}(flag: boolean, `),
  },
  {
    name: 'Python', fence: 'python',
    header: (c, v) => `import json\nimport os\n\n${c} = ${v}\n`,
    unit: (n, a, b, c, r) => `def ${n}(${a}, ${b}):\n    scaled = ${a} * ${Math.floor(r() * 9) + 2}\n    if scaled > ${c}:\n        return scaled - ${b}\n    return scaled + ${b} * ${Math.floor(r() * 5) + 1}\n`,
    addParameter: (t, n) => t.replace(`def ${n}(`, `def ${n}(flag, `),
  },
  {
    name: 'Go', fence: 'go',
    header: (c, v) => `package main\n\nimport "fmt"\n\nconst ${c} = ${v}\n`,
    unit: (n, a, b, c, r) => `func ${n}(${a} int, ${b} int) int {\n\tscaled := ${a} * ${Math.floor(r() * 9) + 2}\n\tif scaled > ${c} {\n\t\treturn scaled - ${b}\n\t}\n\tfmt.Println(scaled)\n\treturn scaled + ${b}*${Math.floor(r() * 5) + 1}\n}\n`,
    addParameter: (t, n) => t.replace(`func ${n}(`, `func ${n}(flag bool, `),
  },
  {
    name: 'Rust', fence: 'rust',
    header: (c, v) => `use std::collections::HashMap;\n\npub const ${c}: i64 = ${v};\n`,
    unit: (n, a, b, c, r) => `pub fn ${n}(${a}: i64, ${b}: i64) -> i64 {\n    let scaled = ${a} * ${Math.floor(r() * 9) + 2};\n    if scaled > ${c} {\n        return scaled - ${b};\n    }\n    scaled + ${b} * ${Math.floor(r() * 5) + 1}\n}\n`,
    addParameter: (t, n) => t.replace(`pub fn ${n}(`, `pub fn ${n}(flag: bool, `),
  },
  {
    name: 'Java', fence: 'java',
    header: (c, v) => `import java.util.List;\n\npublic final class Util {\n  public static final int ${c} = ${v};\n`,
    unit: (n, a, b, c, r) => `  public static int ${n}(int ${a}, int ${b}) {\n    int scaled = ${a} * ${Math.floor(r() * 9) + 2};\n    if (scaled > ${c}) {\n      return scaled - ${b};\n    }\n    return scaled + ${b} * ${Math.floor(r() * 5) + 1};\n  }\n`,
    addParameter: (t, n) => t.replace(`public static int ${n}(`, `public static int ${n}(boolean flag, `),
  },
  {
    name: 'C', fence: 'c',
    header: (c, v) => `#include <stdio.h>\n\n#define ${c} ${v}\n`,
    unit: (n, a, b, c, r) => `int ${n}(int ${a}, int ${b}) {\n    int scaled = ${a} * ${Math.floor(r() * 9) + 2};\n    if (scaled > ${c}) {\n        return scaled - ${b};\n    }\n    printf("%d\\n", scaled);\n    return scaled + ${b} * ${Math.floor(r() * 5) + 1};\n}\n`,
    addParameter: (t, n) => t.replace(`int ${n}(int`, `int ${n}(int flag, int`),
  },
];

type EditKind = 'rename' | 'parameter' | 'constant' | 'reorder';
const EDIT_KINDS: readonly EditKind[] = ['rename', 'parameter', 'constant', 'reorder'];

/** A source file of about `lines` lines in `language`, made of small functions. */
function makeFile(language: Language, lines: number, seed: number): { units: Unit[]; header: string; footer: string; constant: string; value: number } {
  const rand = random(seed);
  const constant = `${pick(NOUNS, rand).toUpperCase()}_LIMIT`;
  const value = Math.floor(rand() * 90) + 10;
  const header = language.header(constant, value);
  const footer = language.name === 'Java' ? '}\n' : '';
  const units: Unit[] = [];
  const used = new Set<string>();
  let count = header.split('\n').length;
  while (count < lines) {
    const name = language.name === 'Python' || language.name === 'Rust' || language.name === 'C'
      ? `${pick(VERBS, rand)}_${pick(NOUNS, rand)}`
      : `${pick(VERBS, rand)}${cap(pick(NOUNS, rand))}`;
    if (used.has(name)) continue;
    used.add(name);
    const text = language.unit(name, pick(NOUNS, rand), `${pick(NOUNS, rand)}Delta`.replace('Delta', language.name === 'Python' || language.name === 'Rust' || language.name === 'C' ? '_delta' : 'Delta'), constant, rand);
    units.push({ name, text });
    count += text.split('\n').length;
  }
  return { units, header, footer, constant, value };
}

function join(header: string, units: readonly Unit[], footer: string): string {
  return `${header}\n${units.map((unit) => unit.text).join('\n')}${footer}`;
}

/**
 * The edit workload: `count` rewrite-style prompts (a rename, an added parameter, a changed
 * constant, a reordered block) over generated files of 50 to 400 lines in six languages.
 */
export function editPrompts(count: number): EditPrompt[] {
  const sizes = [60, 120, 90, 200, 50, 150, 300, 80, 110, 400];
  const prompts: EditPrompt[] = [];
  for (let index = 0; index < count; index += 1) {
    const language = LANGUAGES[index % LANGUAGES.length] ?? LANGUAGES[0];
    if (!language) throw new Error('no languages');
    const kind = EDIT_KINDS[index % EDIT_KINDS.length] ?? 'rename';
    const lines = sizes[index % sizes.length] ?? 100;
    const made = makeFile(language, lines, 1000 + index * 17);
    const file = join(made.header, made.units, made.footer);
    const target = made.units[Math.min(1, made.units.length - 1)];
    const other = made.units[Math.min(2, made.units.length - 1)];
    if (!target || !other) throw new Error('file too small');
    let instruction: string;
    let expected: string;
    switch (kind) {
      case 'rename': {
        const renamed = language.name === 'Python' || language.name === 'Rust' || language.name === 'C' ? `${target.name}_v2` : `${target.name}V2`;
        instruction = `the function ${target.name} renamed to ${renamed}`;
        expected = file.split(target.name).join(renamed);
        break;
      }
      case 'parameter':
        instruction = `a new first parameter named flag added to the function ${target.name}`;
        expected = language.addParameter(file, target.name);
        break;
      case 'constant':
        instruction = `${made.constant} changed from ${made.value} to ${made.value * 2}`;
        expected = file.replace(`${made.constant} = ${made.value}`, `${made.constant} = ${made.value * 2}`).replace(`${made.constant}: i64 = ${made.value}`, `${made.constant}: i64 = ${made.value * 2}`).replace(`#define ${made.constant} ${made.value}`, `#define ${made.constant} ${made.value * 2}`);
        break;
      case 'reorder': {
        instruction = `the functions ${target.name} and ${other.name} swapped`;
        const units = made.units.map((unit) => (unit === target ? other : unit === other ? target : unit));
        expected = join(made.header, units, made.footer);
        break;
      }
      default: {
        const unreachable: never = kind;
        throw new Error(`unknown edit ${String(unreachable)}`);
      }
    }
    prompts.push({ name: `${language.fence}-${kind}-${file.split('\n').length}`, language: language.name, lines: file.split('\n').length, instruction, file, expected });
  }
  return prompts;
}

/** The user message of an edit prompt: the file in a fence, then the change. */
export function editMessage(prompt: EditPrompt): string {
  const fence = LANGUAGES.find((language) => language.name === prompt.language)?.fence ?? '';
  return `Here is a ${prompt.language} file:\n\`\`\`${fence}\n${prompt.file}\`\`\`\nPlease repeat the file above with ${prompt.instruction}.`;
}

/** Ordinary chat prompts: speculation must not make these slower. */
export const CHAT_PROMPTS: readonly string[] = [
  'What is the capital of France? Answer in two sentences.',
  'Explain what a hash map is to a new programmer.',
  'Give me three tips for writing clear commit messages.',
  'Why is the sky blue?',
  'Write a short poem about autumn leaves.',
  'What are the differences between TCP and UDP?',
  'Suggest a name for a coffee shop that also sells books.',
  'How do I stay focused while working from home?',
  'Summarize the plot of Romeo and Juliet in a paragraph.',
  'What does a compiler do?',
];
