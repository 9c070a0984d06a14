/**
 * The files a patch reads and writes, addressed by the patch's own (workspace-relative) paths.
 * Adapters decide what a path means and refuse those they must (see `NodePatchFileSystem`).
 */
export interface PatchFileSystem {
  /** The file's text, or undefined when it does not exist. */
  read(path: string): Promise<string | undefined>;
  /** Creates or replaces the file (and any missing parent directories). */
  write(path: string, text: string): Promise<void>;
  /** Deletes the file. */
  remove(path: string): Promise<void>;
}
