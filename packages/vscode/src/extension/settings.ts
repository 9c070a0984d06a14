/** The approval modes the setting offers (what the agent may do without asking). */
export const APPROVAL_MODES = ['ask', 'auto-edit', 'full-auto'] as const;
export type ApprovalMode = (typeof APPROVAL_MODES)[number];
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
  const mode = get('approvalMode');
  let approvalMode: ApprovalMode = 'ask';
  if (isApprovalMode(mode)) approvalMode = mode;
  else if (mode !== undefined && mode !== null) problems.push(`spark.approvalMode must be one of ${APPROVAL_MODES.join(', ')}.`);
  return { settings: { serverUrl, command, model: text('model', ''), deepModel: text('deepModel', ''), approvalMode }, problems };
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

function isApprovalMode(value: unknown): value is ApprovalMode {
  return typeof value === 'string' && (APPROVAL_MODES as readonly string[]).includes(value);
}
