// Test support for the extension in a real VS Code: code-server (VS Code's own workbench, served
// to a browser) from the cache `scripts/install-code-server.mjs` fills, the packaged .vsix installed
// into a temp profile, the workbench in headless Chromium driven through playwright-core.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Browser, FrameLocator, Page } from 'playwright-core';
import { launchChromium } from '@spark/cli/dist/testing/browser.js';

/** The code-server release `scripts/install-code-server.mjs` installs. */
export const CODE_SERVER_VERSION = '4.139.1';
/** Generous limit for one visible change in the workbench: it only stops a hung test. */
export const VSCODE_WAIT_MS = 60_000;
/** How long code-server may take to listen, and to stop before it is killed. */
export const CODE_SERVER_START_MS = 60_000;
export const CODE_SERVER_STOP_MS = 5_000;
/** How long the palette is given to list a command before it is asked again. */
export const PALETTE_RETRY_MS = 5_000;

const PACKAGE_DIR = fileURLToPath(new URL('../../..', import.meta.url));
const REPO_DIR = join(PACKAGE_DIR, '..', '..');
const VSCE = join(REPO_DIR, 'node_modules', '@vscode', 'vsce', 'vsce');
/** The repo's built CLI, which `spark.command` points at: the extension runs it with its Node. */
export const SPARK_CLI = join(REPO_DIR, 'packages', 'cli', 'dist', 'main.js');

/** What the install script records in `install.json` once code-server is in place. */
export interface CodeServerInstall {
  readonly version: string;
  /** Node 24, which code-server needs. */
  readonly node: string;
  /** code-server's `out/node/entry.js`. */
  readonly entry: string;
}

/** The cache folder of the install (`$SPARK_CACHE_DIR`, else `~/.cache/spark`). */
export function codeServerDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env['SPARK_CACHE_DIR'] ?? join(homedir(), '.cache', 'spark'), 'code-server', CODE_SERVER_VERSION);
}

/** The installed code-server, or undefined (with the reason the tests skip) when there is none. */
export function findCodeServer(env: NodeJS.ProcessEnv = process.env): CodeServerInstall | string {
  const marker = join(codeServerDir(env), 'install.json');
  const missing = `code-server ${CODE_SERVER_VERSION} is not installed (${marker} is missing): run node scripts/install-code-server.mjs (.ci/run does)`;
  if (!existsSync(marker)) return missing;
  const parsed: unknown = JSON.parse(readFileSync(marker, 'utf8'));
  if (typeof parsed !== 'object' || parsed === null) return missing;
  const { version, node, entry } = parsed as Record<string, unknown>;
  if (typeof version !== 'string' || typeof node !== 'string' || typeof entry !== 'string' || !existsSync(node) || !existsSync(entry)) return missing;
  return { version, node, entry };
}

/** Where screenshots go: `$SPARK_TEST_ARTEFACTS/vscode`, else `<repo>/test-artefacts/vscode`. */
export function vscodeArtefactsDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env['SPARK_TEST_ARTEFACTS'] ?? join(REPO_DIR, 'test-artefacts'), 'vscode');
}

export interface CodeServerOptions {
  /** The folder the workbench opens. */
  readonly workspace: string;
  /** `spark.*` user settings (and any other VS Code setting). */
  readonly settings: Readonly<Record<string, unknown>>;
  /** Extra environment of code-server, and so of the extension host (e.g. XDG_RUNTIME_DIR of the host lock). */
  readonly env?: NodeJS.ProcessEnv;
}

export interface VsCodeSession {
  readonly page: Page;
  readonly browser: Browser;
  /** code-server's output so far (for a failure message). */
  readonly log: () => string;
  /** Runs a command from the palette by its title ("Spark: Open Chat"). */
  runCommand(title: string): Promise<void>;
  /** The chat view's page: the webview's inner frame. */
  chatFrame(): FrameLocator;
  /** Answers an open input box (the Edit Selection instruction) and presses Enter. */
  answerInput(text: string): Promise<void>;
  /** Saves a PNG of the workbench under the artefacts folder; returns its path. */
  screenshot(name: string): Promise<string>;
  /** Runs `steps`; when they fail, saves `failed-<name>.png` first (what the workbench showed). */
  capture(name: string, steps: () => Promise<void>): Promise<void>;
  close(): Promise<void>;
}

/** A free loopback port (closed again: code-server binds it a moment later). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen(0, '127.0.0.1', resolve); });
  const address = server.address();
  await new Promise<void>((resolve) => { server.close(() => resolve()); });
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** Kills the process group of a detached child: code-server, its extension host and what that started. */
async function killGroup(child: ChildProcess): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => { child.once('exit', () => resolve()); });
  const signal = (name: NodeJS.Signals): void => {
    try { process.kill(-(child.pid ?? 0), name); } catch { /* already gone */ }
  };
  signal('SIGTERM');
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = await Promise.race([exited.then(() => false), new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(true), CODE_SERVER_STOP_MS); })]);
  clearTimeout(timer);
  // The extension host and a `spark serve` it started may outlive code-server's own exit.
  signal('SIGKILL');
  if (timedOut) await exited;
}

/** Packages the extension as `npm run package` does, into `out`. */
export async function packageVsix(out: string): Promise<void> {
  await promisify(execFile)(process.execPath, [VSCE, 'package', '--no-dependencies', '--out', out], { cwd: PACKAGE_DIR, timeout: 120_000 });
}

/**
 * Packages and installs the extension into a fresh profile, starts code-server on a free port
 * with `workspace` open and loads the workbench in headless Chromium. `close` stops everything
 * and removes the profile.
 */
export async function startCodeServer(install: CodeServerInstall, options: CodeServerOptions): Promise<VsCodeSession> {
  const dir = await mkdtemp(join(tmpdir(), 'spark-code-server-'));
  const userData = join(dir, 'user-data');
  const extensions = join(dir, 'extensions');
  const artefacts = vscodeArtefactsDir();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...options.env,
    PATH: `${dirname(install.node)}:${process.env['PATH'] ?? ''}`,
    // code-server writes its config.yaml and state under these; keep them out of the real home.
    XDG_CONFIG_HOME: join(dir, 'config'),
    XDG_DATA_HOME: join(dir, 'data'),
  };
  let child: ChildProcess | undefined;
  let browser: Browser | undefined;
  let output = '';
  const cleanup = async (): Promise<void> => {
    try {
      await browser?.close();
    } finally {
      if (child !== undefined) await killGroup(child);
      await rm(dir, { recursive: true, force: true });
    }
  };
  try {
    await mkdir(join(userData, 'User'), { recursive: true });
    await mkdir(artefacts, { recursive: true });
    const vsix = join(dir, 'spark.vsix');
    await packageVsix(vsix);
    await promisify(execFile)(install.node, [install.entry, '--user-data-dir', userData, '--extensions-dir', extensions, '--install-extension', vsix], { env, timeout: 120_000 });
    const settings = {
      'workbench.startupEditor': 'none',
      'workbench.tips.enabled': false,
      'workbench.enableExperiments': false,
      'telemetry.telemetryLevel': 'off',
      'update.mode': 'none',
      'extensions.autoCheckUpdates': false,
      'extensions.autoUpdate': false,
      'security.workspace.trust.enabled': false,
      'chat.disableAIFeatures': true,
      'workbench.secondarySideBar.defaultVisibility': 'hidden',
      'window.restoreWindows': 'none',
      ...options.settings,
    };
    await writeFile(join(userData, 'User', 'settings.json'), `${JSON.stringify(settings, null, 2)}\n`);

    const port = await freePort();
    const started = spawn(install.node, [
      install.entry, '--bind-addr', `127.0.0.1:${port}`, '--auth', 'none', '--disable-telemetry', '--disable-update-check',
      '--disable-workspace-trust', '--disable-getting-started-override', '--user-data-dir', userData, '--extensions-dir', extensions,
      options.workspace,
    ], { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    child = started;
    started.stdout?.setEncoding('utf8').on('data', (text: string) => { output += text; });
    started.stderr?.setEncoding('utf8').on('data', (text: string) => { output += text; });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => { reject(new Error(`code-server did not listen within ${CODE_SERVER_START_MS / 1000} s:\n${output}`)); }, CODE_SERVER_START_MS);
      const check = (): void => { if (output.includes('HTTP server listening on')) { clearTimeout(timer); resolve(); } };
      started.stdout?.on('data', check);
      started.stderr?.on('data', check);
      started.once('exit', (code) => { clearTimeout(timer); reject(new Error(`code-server exited (${code ?? '?'}):\n${output}`)); });
    });

    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const page = await context.newPage();
    await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(options.workspace)}`);
    await page.locator('.monaco-workbench').waitFor({ timeout: VSCODE_WAIT_MS });
    // The explorer lists the workspace once the workbench is up and the folder is open.
    await page.locator('.explorer-folders-view .monaco-list-row').first().waitFor({ timeout: VSCODE_WAIT_MS });

    const box = page.locator('.quick-input-widget .quick-input-box input');
    const runCommand = async (title: string): Promise<void> => {
      // The row whose label is exactly the title (a prefix could pick another command).
      const row = page.locator('.quick-input-list .monaco-list-row', { has: page.locator('.label-name', { hasText: new RegExp(`^${escapeRegExp(title)}$`) }) }).first();
      const deadline = Date.now() + VSCODE_WAIT_MS;
      // A busy machine lists the extension's commands only once its extension host is up: ask again.
      for (;;) {
        await page.keyboard.press('F1');
        await box.waitFor({ timeout: VSCODE_WAIT_MS });
        await box.fill(`>${title}`);
        try {
          await row.waitFor({ timeout: PALETTE_RETRY_MS });
          break;
        } catch (error) {
          if (Date.now() > deadline) throw error;
          await page.keyboard.press('Escape');
        }
      }
      await row.click();
      // The palette closes, or the command reuses its widget at once (an input box).
      const closeDeadline = Date.now() + VSCODE_WAIT_MS;
      while (await page.locator('.quick-input-widget').isVisible() && (await box.inputValue().catch(() => '')) === `>${title}`) {
        if (Date.now() > closeDeadline) throw new Error(`the palette stayed open after ${title}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };
    const screenshot = async (name: string): Promise<string> => {
      const path = join(artefacts, `${name}.png`);
      await page.screenshot({ path });
      return path;
    };
    return {
      page,
      browser,
      log: () => output,
      runCommand,
      chatFrame: () => page.frameLocator('iframe.webview.ready').frameLocator('#active-frame'),
      answerInput: async (text) => {
        await box.waitFor({ timeout: VSCODE_WAIT_MS });
        await box.fill(text);
        await box.press('Enter');
        await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: VSCODE_WAIT_MS });
      },
      screenshot,
      capture: async (name, steps) => {
        try {
          await steps();
        } catch (error) {
          await screenshot(`failed-${name}`).catch(() => undefined);
          throw error;
        }
      },
      close: cleanup,
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
