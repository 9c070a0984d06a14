import { readFile, stat } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';

/** Name of the project-instructions file (the cross-tool convention Codex and others read). */
export const AGENTS_FILE = 'AGENTS.md';
/** Total bytes of AGENTS.md text put in the prompt (Codex uses the same 32 KiB default). */
export const DEFAULT_AGENTS_MD_MAX_BYTES = 32 * 1024;

export interface ProjectInstructions {
  /** The files read, root first. */
  files: string[];
  /** Their text, each under a header naming its directory; '' when there are none. */
  text: string;
  truncated: boolean;
}

/**
 * Collects AGENTS.md files from the project root (the nearest ancestor holding `.git`, else
 * `cwd` itself) down to `cwd`: deeper files come later, so their more specific rules win.
 */
export async function loadProjectInstructions(cwd: string, maxBytes = DEFAULT_AGENTS_MD_MAX_BYTES): Promise<ProjectInstructions> {
  const start = resolve(cwd);
  const root = (await findProjectRoot(start)) ?? start;
  const dirs: string[] = [];
  for (let dir = start; ; dir = dirname(dir)) {
    dirs.unshift(dir);
    if (dir === root || dirname(dir) === dir) break;
  }
  const files: string[] = [];
  const parts: string[] = [];
  let used = 0;
  let truncated = false;
  for (const dir of dirs) {
    const file = join(dir, AGENTS_FILE);
    let text;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      continue;
    }
    files.push(file);
    const where = relative(root, dir).split(sep).join('/') || '.';
    let body = text.trim();
    if (used + body.length > maxBytes) {
      body = body.slice(0, Math.max(0, maxBytes - used));
      truncated = true;
    }
    used += body.length;
    parts.push(`## ${AGENTS_FILE} in ${where}\n${body}`);
    if (truncated) break;
  }
  return { files, text: parts.join('\n\n'), truncated };
}

async function findProjectRoot(start: string): Promise<string | undefined> {
  for (let dir = start; ; dir = dirname(dir)) {
    try {
      await stat(join(dir, '.git'));
      return dir;
    } catch {
      // not here; go up
    }
    if (dirname(dir) === dir) return undefined;
  }
}
