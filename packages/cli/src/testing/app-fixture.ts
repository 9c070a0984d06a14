// Test support for the browser app: a mounted `spark app` stack (host + pages on a running
// server, sessions and lock file in a temp dir) and headless Chromium pages that fail the test on
// any console error (a CSP violation shows up there).
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { connectHost } from '@spark/host';
import type { RunningServer } from '@spark/server';
import { mountApp, type MountAppOptions, type MountedApp } from '../app/mount-app.js';
import { launchChromium } from './browser.js';

/** Generous limit for one visible change in the page: it only stops a hung test. */
export const APP_WAIT_MS = 30_000;

/** Where screenshots go: `$SPARK_TEST_ARTEFACTS/app`, else `<repo>/test-artefacts/app`. */
export function appArtefactsDir(env: NodeJS.ProcessEnv = process.env): string {
  const root = env['SPARK_TEST_ARTEFACTS'] ?? fileURLToPath(new URL('../../../../test-artefacts', import.meta.url));
  return join(root, 'app');
}

export interface AppPage {
  readonly context: BrowserContext;
  readonly page: Page;
  /** Console errors and uncaught exceptions so far, in order. */
  readonly errors: string[];
  /** Saves a PNG of the page under the artefacts folder; returns its path. */
  readonly screenshot: (name: string) => Promise<string>;
  readonly close: () => Promise<void>;
}

export interface AppFixture {
  readonly dir: string;
  readonly workspace: string;
  readonly app: MountedApp;
  readonly browser: Browser;
  /** A fresh browser context (its own cookies) on the app, after the token was traded for the cookie. */
  openPage(options?: { colorScheme?: 'light' | 'dark'; hash?: string }): Promise<AppPage>;
  /** Another page in the same context (a second tab: same cookie). */
  openTab(of: AppPage, hash?: string): Promise<AppPage>;
  /**
   * Interrupts every running turn and waits until every thread is idle, so the next test's
   * page (which follows a running thread when it opens) starts on an empty page.
   */
  stopTurns(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Mounts the app on `server` for a fresh temp workspace (exactly what `spark app` does, with its
 * sessions and lock file under the temp dir) and starts Chromium. `close` releases everything
 * but the server, which the caller started.
 */
export async function startAppFixture(server: RunningServer, options: Pick<MountAppOptions, 'agent' | 'approval' | 'model'> = {}): Promise<AppFixture> {
  const dir = await mkdtemp(join(tmpdir(), 'spark-app-browser-'));
  const workspace = join(dir, 'work');
  await mkdir(workspace);
  const env = { ...process.env, SPARK_DATA_DIR: join(dir, 'data'), XDG_RUNTIME_DIR: join(dir, 'run') };
  const artefacts = appArtefactsDir();
  await mkdir(artefacts, { recursive: true });
  let app: MountedApp | undefined;
  let browser: Browser | undefined;
  try {
    app = await mountApp({ server, workspace, env, ...options });
    if (!app.pages) throw new Error('The browser app is not built (packages/web/dist/app): run npm run build.');
    browser = await launchChromium();
  } catch (error) {
    await app?.release();
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  const mounted = app;
  const chromium = browser;

  async function wrap(context: BrowserContext, page: Page, url: string): Promise<AppPage> {
    const errors: string[] = [];
    page.on('console', (message) => { if (message.type() === 'error') errors.push(`console: ${message.text()} (${message.location().url})`); });
    page.on('pageerror', (error) => { errors.push(`pageerror: ${error.message}`); });
    await page.goto(url);
    return {
      context, page, errors,
      screenshot: async (name) => {
        const path = join(artefacts, `${name}.png`);
        await page.screenshot({ path });
        return path;
      },
      close: () => page.close(),
    };
  }

  return {
    dir, workspace, app: mounted, browser: chromium,
    openPage: async (pageOptions = {}) => {
      const context = await chromium.newContext({ colorScheme: pageOptions.colorScheme ?? 'light', viewport: { width: 1200, height: 800 } });
      const page = await context.newPage();
      const opened = await wrap(context, page, `${mounted.appUrl}${pageOptions.hash ?? ''}`);
      return { ...opened, close: () => context.close() };
    },
    openTab: async (of, hash = '') => wrap(of.context, await of.context.newPage(), `${mounted.url}/${hash}`),
    stopTurns: async () => {
      const client = await connectHost(mounted.url, mounted.token);
      try {
        const deadline = Date.now() + APP_WAIT_MS;
        for (;;) {
          const running = (await client.request('threads.list', {})).threads.filter((thread) => thread.state === 'running');
          if (running.length === 0) return;
          if (Date.now() > deadline) throw new Error(`threads still running: ${running.map((thread) => thread.thread_id).join(', ')}`);
          for (const thread of running) {
            await client.request('thread.attach', { thread_id: thread.thread_id });
            await client.submit(thread.thread_id, { type: 'interrupt' });
          }
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      } finally {
        client.close();
      }
    },
    close: async () => {
      try {
        await chromium.close();
      } finally {
        await mounted.release();
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}
