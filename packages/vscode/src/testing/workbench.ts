// What the end-to-end tests do in the workbench and read back from it, as a user would.
import { readFile } from 'node:fs/promises';
import type { FrameLocator } from 'playwright-core';
import { VSCODE_WAIT_MS, type VsCodeSession } from './code-server.js';

/** What these tests read of an element in the page (this package's tests compile without the DOM types). */
interface PageElement {
  readonly textContent: string | null;
  getAttribute(name: string): string | null;
  querySelector(selector: string): PageElement | null;
}

export interface LastAnswer { readonly text: string; readonly streaming: boolean; readonly tokens: number }

/** The chat's last answer: its text, whether it streams, its whitespace-separated token count. */
export async function lastAnswer(chat: FrameLocator): Promise<LastAnswer> {
  const answers = chat.getByTestId('assistant-message');
  if (await answers.count() === 0) return { text: '', streaming: false, tokens: 0 };
  // One read of both, so the text and the flag belong to the same render.
  const [text, streaming] = await answers.last().evaluate((element: PageElement) => [element.querySelector('.markdown')?.textContent?.trim() ?? '', element.getAttribute('data-streaming') === 'true'] as const);
  return { text, streaming, tokens: text === '' ? 0 : text.split(/\s+/).length };
}

/** Drags the secondary side bar's left edge (the chat lives there) to `left` pixels from the page's left. */
export async function widenSideBar(vscode: VsCodeSession, left: number): Promise<void> {
  const { page } = vscode;
  const bar = page.locator('.part.auxiliarybar');
  await bar.waitFor({ timeout: VSCODE_WAIT_MS });
  const box = await bar.boundingBox();
  if (box === null) throw new Error('no secondary side bar to widen');
  const y = box.y + box.height / 2;
  await page.mouse.move(box.x - 1, y);
  await page.mouse.down();
  await page.mouse.move(left, y, { steps: 5 });
  await page.mouse.up();
  // Off the sash, which stays highlighted under the pointer.
  await page.mouse.move(left - 200, y);
}

/** How long Quick Open's box may stay hidden before it is opened once more. */
const QUICK_OPEN_SHOWN_MS = 10_000;

/** Opens a workspace file with Quick Open and waits for its editor. */
export async function openFile(vscode: VsCodeSession, path: string): Promise<void> {
  const { page } = vscode;
  const box = page.locator('.quick-input-widget .quick-input-box input');
  // Quick Open can close again as soon as it opened, when the workbench moves focus (a webview
  // or a notification taking it: seen once in CI, the box then "not visible" for 30 s); it is
  // opened once more, as a user would.
  for (let attempt = 0; ; attempt += 1) {
    await page.keyboard.press('Control+P');
    try {
      await box.waitFor({ state: 'visible', timeout: QUICK_OPEN_SHOWN_MS });
      await box.fill(path, { timeout: QUICK_OPEN_SHOWN_MS });
      break;
    } catch (error) {
      if (attempt >= 2) throw error;
      await page.keyboard.press('Escape');
    }
  }
  const name = path.split('/').at(-1) ?? path;
  await page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first().waitFor({ timeout: VSCODE_WAIT_MS });
  await box.press('Enter');
  await page.locator('.tab.active', { hasText: name }).waitFor({ timeout: VSCODE_WAIT_MS });
}

/** Selects whole lines `from` (0-based) up to, not including, `to` in the active editor, with the keyboard. */
export async function selectLines(vscode: VsCodeSession, from: number, to: number): Promise<void> {
  const { page } = vscode;
  await page.locator('.editor-instance .monaco-editor .view-lines').first().click();
  await page.keyboard.press('Control+Home');
  for (let line = 0; line < from; line += 1) await page.keyboard.press('ArrowDown');
  for (let line = from; line < to; line += 1) await page.keyboard.press('Shift+ArrowDown');
}

/**
 * Waits until the diff editor's proposed side shows `text` (or, without it, any inserted text)
 * and then until the rewrite's progress notification is gone: the stream ended, so Accept
 * applies the whole rewrite. (The change only shows while the notification is up.)
 */
export async function waitForRewrite(vscode: VsCodeSession, text?: string, timeout = VSCODE_WAIT_MS): Promise<void> {
  const { page } = vscode;
  const modified = '.monaco-diff-editor .editor.modified';
  const change = text === undefined ? page.locator(`${modified} :is(.line-insert, .char-insert)`).first() : page.locator(`${modified} .view-lines`, { hasText: text });
  await change.waitFor({ timeout });
  await page.locator('.notifications-toasts', { hasText: 'Spark is rewriting the selection' }).waitFor({ state: 'hidden', timeout });
}

/** Polls a file until it reads `expected` (a save lands a moment after the command); returns what it last read. */
export async function waitForDiskText(path: string, expected: string): Promise<string> {
  const deadline = Date.now() + VSCODE_WAIT_MS;
  for (;;) {
    const text = await readFile(path, 'utf8');
    if (text === expected || Date.now() > deadline) return text;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
