import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import type { ApprovalMode, SandboxSetting } from '@spark/agent';
import { AgentHost, APP_TOKEN_QUERY, createAppPagesExtension, createHostExtension, writeHostLock, type WrittenHostLock } from '@spark/host';
import type { RunningServer } from '@spark/server';
import { sparkVersion } from '../spark-version.js';

/** Bytes of randomness in an app token (base64url: 43 characters). */
export const APP_TOKEN_BYTES = 32;

export interface MountAppOptions {
  server: RunningServer;
  workspace: string;
  /** Model of new threads (default: the first the server lists). */
  model?: string;
  /** A key of the server's own, for the agents' requests to it. */
  apiKey?: string;
  approval?: ApprovalMode;
  sandbox?: SandboxSetting;
}

export interface MountedApp {
  /** `http://127.0.0.1:PORT/?token=...`: printed once; whoever holds it drives the agent. */
  appUrl: string;
  /** The base URL clients connect to (`http://127.0.0.1:PORT`). */
  url: string;
  token: string;
  host: AgentHost;
  /** Whether the browser app's built pages were found (the host works without them). */
  pages: boolean;
  /** Removes the lock file; the server closes the host and pages itself. */
  release(): Promise<void>;
}

/** The built browser app (`packages/web/dist/app`), if it was built. */
export function appAssetsDir(): string | undefined {
  try {
    const dir = join(dirname(createRequire(import.meta.url).resolve('@spark/web/package.json')), 'dist', 'app');
    return existsSync(join(dir, 'index.html')) ? dir : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Puts the agent host of `workspace` and the browser app's pages on a running server with a
 * fresh random token, and records them in the workspace's lock file for `spark app`,
 * `spark --attach` and editors to find.
 */
export async function mountApp(options: MountAppOptions): Promise<MountedApp> {
  const { server } = options;
  const url = clientUrl(server);
  const token = randomBytes(APP_TOKEN_BYTES).toString('base64url');
  const host = await AgentHost.open({
    baseUrl: `${url}/v1`, workspace: options.workspace, version: sparkVersion(),
    ...(options.model === undefined ? {} : { model: options.model }),
    ...(options.apiKey === undefined ? {} : { apiKey: options.apiKey }),
    ...(options.approval === undefined ? {} : { approval: options.approval }),
    ...(options.sandbox === undefined ? {} : { sandbox: options.sandbox }),
  });
  server.mount(createHostExtension({ host, token }));
  const assetsDir = appAssetsDir();
  if (assetsDir !== undefined) server.mount(createAppPagesExtension({ assetsDir, token }));
  let lock: WrittenHostLock | undefined;
  try {
    lock = await writeHostLock({ workspace: options.workspace, url, token });
  } catch (error) {
    process.stderr.write(`warning: could not write the host lock file (spark --attach will need the URL): ${error instanceof Error ? error.message : String(error)}\n`);
  }
  return {
    appUrl: `${url}/?${APP_TOKEN_QUERY}=${token}`, url, token, host, pages: assetsDir !== undefined,
    release: async () => { await lock?.remove(); },
  };
}

/** The URL a client on this machine uses: a wildcard bind is reached on loopback. */
function clientUrl(server: RunningServer): string {
  const wildcard = server.host === '0.0.0.0' || server.host === '::' || server.host === '';
  if (!wildcard) return server.url;
  return `http://127.0.0.1:${server.port}`;
}
