/**
 * The approval modes the setting offers, the agent's own (`spark serve --approval`): `ask` (the
 * chat answers every approval), `auto-in-workspace` (edits and confined commands in the
 * workspace go ahead), `never-ask`.
 */
export const APPROVAL_MODES = ['ask', 'auto-in-workspace', 'never-ask'] as const;
export type ApprovalMode = (typeof APPROVAL_MODES)[number];
/** What happens when the agent applies a patch: offer its diffs (a notification), open them at once, or nothing. */
export const PATCH_DIFF_MODES = ['offer', 'open', 'off'] as const;
export type PatchDiffMode = (typeof PATCH_DIFF_MODES)[number];
/** Longest model name or command the settings accept; anything longer is a paste gone wrong. */
export const MAX_SETTING_CHARS = 1024;

/** The extension's settings, validated (`spark.*` in settings.json; the API key is in SecretStorage). */
export interface SparkSettings {
  /** A server's base URL without `/v1`, or '' for the workspace's host. */
  readonly serverUrl: string;
  readonly command: string;
  readonly model: string;
  readonly deepModel: string;
  readonly approvalMode: ApprovalMode;
  readonly patchDiffs: PatchDiffMode;
}

export interface SettingsResult {
  readonly settings: SparkSettings;
  /** One line per setting that was not usable (its default is used instead). */
  readonly problems: readonly string[];
}

/**
 * Reads and checks the settings through `get` (VS Code's `WorkspaceConfiguration.get`), so the
 * rules hold without VS Code: a bad value falls back to the default and is reported, never thrown.
 */
export function readSettings(get: (key: string) => unknown): SettingsResult {
  const problems: string[] = [];
  const text = (key: string, fallback: string): string => {
    const value = get(key);
    if (value === undefined || value === null) return fallback;
    if (typeof value !== 'string' || value.length > MAX_SETTING_CHARS) {
      problems.push(`spark.${key} must be a string of at most ${MAX_SETTING_CHARS} characters.`);
      return fallback;
    }
    return value.trim();
  };
  let serverUrl = text('serverUrl', '');
  if (serverUrl !== '') {
    const normalized = normalizeServerUrl(serverUrl);
    if (normalized === undefined) problems.push(`spark.serverUrl is not an http(s) URL: ${serverUrl}`);
    serverUrl = normalized ?? '';
  }
  let command = text('command', 'spark');
  if (command === '') command = 'spark';
  const choice = <T extends string>(key: string, allowed: readonly T[], fallback: T): T => {
    const value = get(key);
    if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
    if (value !== undefined && value !== null) problems.push(`spark.${key} must be one of ${allowed.join(', ')}.`);
    return fallback;
  };
  const approvalMode = choice('approvalMode', APPROVAL_MODES, 'ask');
  const patchDiffs = choice('patchDiffs', PATCH_DIFF_MODES, 'offer');
  return { settings: { serverUrl, command, model: text('model', ''), deepModel: text('deepModel', ''), approvalMode, patchDiffs }, problems };
}

/** `http://host:port` with no `/v1`, no trailing slash, no query; undefined when not http(s). */
export function normalizeServerUrl(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  if (url.username !== '' || url.password !== '') return undefined;
  const path = url.pathname.replace(/\/+$/, '').replace(/\/v1$/, '');
  return `${url.origin}${path}`;
}
