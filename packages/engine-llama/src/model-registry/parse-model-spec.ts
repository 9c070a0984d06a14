import { homedir } from 'node:os';
import { resolve } from 'node:path';

/** What a user-typed model spec names. */
export type ModelSpec =
  | { kind: 'url'; url: string }
  | { kind: 'path'; path: string }
  | { kind: 'alias'; alias: string };

/** An http(s) URL, a filesystem path (has a separator, starts with `.` or `~`, or ends in `.gguf`), else an alias. */
export function parseModelSpec(spec: string): ModelSpec {
  const trimmed = spec.trim();
  if (/^https?:\/\//i.test(trimmed)) return { kind: 'url', url: trimmed };
  const isPath =
    trimmed.includes('/') ||
    trimmed.includes('\\') ||
    trimmed.startsWith('.') ||
    trimmed.startsWith('~') ||
    trimmed.toLowerCase().endsWith('.gguf');
  if (!isPath) return { kind: 'alias', alias: trimmed };
  const expanded = trimmed === '~' || trimmed.startsWith('~/') ? homedir() + trimmed.slice(1) : trimmed;
  return { kind: 'path', path: resolve(expanded) };
}
