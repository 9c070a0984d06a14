import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where node-llama-cpp keeps what a local build needs and makes. */
export interface NodeLlamaCppDirs {
  /** The installed package's root (`node_modules/node-llama-cpp`). */
  readonly root: string;
  /** Its command line (`source download` builds the bundled llama.cpp release). */
  readonly cli: string;
  /** `llama/localBuilds`: one folder per build, looked up by `getLlama` before the prebuilt binaries. */
  readonly localBuilds: string;
  /** `llama/gitRelease.bundle`: the llama.cpp release the package was made for, as a git bundle (offline source). */
  readonly sourceBundle: string;
  /** `llama/grammars/json.gbnf`: llama.cpp's grammar for any JSON object, shipped with the package. */
  readonly jsonGrammar: string;
}

export function nodeLlamaCppDirs(): NodeLlamaCppDirs {
  // The package's main entry is dist/index.js; its exports map hides package.json.
  const root = dirname(dirname(fileURLToPath(import.meta.resolve('node-llama-cpp'))));
  return {
    root,
    cli: join(root, 'dist', 'cli', 'cli.js'),
    localBuilds: join(root, 'llama', 'localBuilds'),
    sourceBundle: join(root, 'llama', 'gitRelease.bundle'),
    jsonGrammar: join(root, 'llama', 'grammars', 'json.gbnf'),
  };
}

/** node-llama-cpp's version and the llama.cpp release tag it bundles. */
export async function nodeLlamaCppVersions(dirs: NodeLlamaCppDirs = nodeLlamaCppDirs()): Promise<{ version: string; release: string }> {
  const pkg = JSON.parse(await readFile(join(dirs.root, 'package.json'), 'utf8')) as { version?: unknown };
  const info = JSON.parse(await readFile(join(dirs.root, 'llama', 'llama.cpp.info.json'), 'utf8')) as { tag?: unknown };
  if (typeof pkg.version !== 'string' || typeof info.tag !== 'string') throw new Error(`Unexpected node-llama-cpp package layout at ${dirs.root}`);
  return { version: pkg.version, release: info.tag };
}
