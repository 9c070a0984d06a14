import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** The first executable file named `name` in the directories of `path` (a PATH value), or undefined. */
export function findExecutable(name: string, path: string): string | undefined {
  for (const directory of path.split(delimiter)) {
    if (directory === '') continue;
    const candidate = join(directory, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not here.
    }
  }
  return undefined;
}
