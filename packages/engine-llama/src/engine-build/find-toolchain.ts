import { access, constants } from 'node:fs/promises';
import { delimiter, join } from 'node:path';

/** What compiling llama.cpp needs on PATH, each as alternatives (any one will do). */
const REQUIRED: ReadonlyArray<{ readonly name: string; readonly commands: readonly string[] }> = [
  { name: 'cmake', commands: ['cmake'] },
  { name: 'a C++ compiler', commands: ['c++', 'g++', 'clang++'] },
  { name: 'make or ninja', commands: ['make', 'ninja'] },
];

/**
 * Looks for the build tools on PATH before a compile starts, so a machine without them gets one
 * clear message instead of a CMake error ten lines deep. node-llama-cpp could download CMake
 * itself, but not a compiler, and not offline.
 */
export async function findToolchain(env: NodeJS.ProcessEnv = process.env): Promise<{ missing: string[] }> {
  const missing: string[] = [];
  for (const tool of REQUIRED) {
    let found = false;
    for (const command of tool.commands) {
      if (await isOnPath(command, env)) { found = true; break; }
    }
    if (!found) missing.push(tool.name);
  }
  return { missing };
}

/** Whether an executable `command` sits in a directory of PATH. */
export async function isOnPath(command: string, env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  for (const dir of (env['PATH'] ?? '').split(delimiter)) {
    if (dir !== '' && await isExecutable(join(dir, command))) return true;
  }
  return false;
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
