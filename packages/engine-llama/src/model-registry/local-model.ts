/** A model file on disk, ready to load. */
export interface LocalModel {
  /** Cache alias, or the file name without `.gguf` for a path given directly. */
  alias: string;
  path: string;
  sizeBytes: number;
  /** Known when the file was verified (downloaded, or checked against a checksum). */
  sha256?: string;
}
