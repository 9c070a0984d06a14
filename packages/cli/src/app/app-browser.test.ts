// The browser app in headless Chromium on a real `spark app` stack (the scripted engine behind a
// real server, the agent host and pages mounted as `spark app` mounts them): each test does what
// a user does with the keyboard or the buttons and asserts what the page shows.
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { HOST_PATH } from '@spark/host';
import { startTestServer, type TestServer } from '@spark/server/testing';
import { APP_WAIT_MS, startAppFixture, type AppFixture, type AppPage } from '../testing/app-fixture.js';
import { appScript, GREET_AFTER, GREET_BEFORE, streamText } from '../testing/app-script.js';

/** Tokens of a stream no test lets finish: Esc, a steer or the end of the test stops it. */
const ENDLESS = 5000;

/** Types `text` into the composer and presses `key` (Enter sends or steers, Tab queues). */
async function type(page: Page, text: string, key = 'Enter'): Promise<void> {
  const box = page.getByTestId('composer');
  await box.fill(text);
  await box.press(key);
}

/** What these tests read of an element in the page (this package compiles without the DOM types). */
interface PageElement {
  readonly textContent: string | null;
  getAttribute(name: string): string | null;
  querySelector(selector: string): PageElement | null;
}

interface LastAnswer { text: string; streaming: boolean; tokens: number; count: number }

/** The last answer's text, whether it streams, its token count and how many answers the page shows. */
async function lastAnswer(page: Page): Promise<LastAnswer> {
  const answers = page.getByTestId('assistant-message');
  const count = await answers.count();
  if (count === 0) return { text: '', streaming: false, tokens: 0, count };
  const answer = answers.last();
  // One read of both, so the text and the flag belong to the same render.
  const [text, streaming] = await answer.evaluate((element: PageElement) => [element.querySelector('.markdown')?.textContent?.trim() ?? '', element.getAttribute('data-streaming') === 'true'] as const);
  return { text, streaming, tokens: text === '' ? 0 : text.split(/\s+/).length, count };
}

/** Waits until the last answer streams and shows at least `tokens` tokens of a `stream` turn; returns how many it shows. */
async function waitForStreamedTokens(page: Page, tokens: number): Promise<number> {
  const deadline = Date.now() + APP_WAIT_MS;
  for (;;) {
    const answer = await lastAnswer(page);
    if (answer.streaming && answer.tokens >= tokens) return answer.tokens;
    if (Date.now() > deadline) throw new Error(`no streaming answer of ${tokens} tokens; the last one: ${JSON.stringify(answer).slice(0, 300)}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Waits until no turn runs in the shown thread (no Stop button, the thread listed idle). */
async function waitForIdle(page: Page): Promise<void> {
  await page.getByTestId('stop').waitFor({ state: 'detached', timeout: APP_WAIT_MS });
  await page.locator('[data-testid="thread-item"].current[data-state="idle"]').waitFor({ timeout: APP_WAIT_MS });
}

/** The texts of every element with `testId`, in page order. */
function texts(page: Page, testId: string): Promise<string[]> {
  return page.getByTestId(testId).evaluateAll((elements: PageElement[]) => elements.map((element) => (element.querySelector('.markdown') ?? element).textContent?.trim() ?? ''));
}

void describe('the browser app on the scripted engine', () => {
  let upstream: TestServer;
  let fixture: AppFixture;
  const pages: AppPage[] = [];

  async function open(options: Parameters<AppFixture['openPage']>[0] = {}): Promise<AppPage> {
    const opened = await fixture.openPage(options);
    pages.push(opened);
    await opened.page.getByTestId('connection').filter({ hasText: 'open' }).waitFor({ timeout: APP_WAIT_MS });
    return opened;
  }

  before(async () => {
    upstream = await startTestServer({ engineOptions: { script: appScript, contextSize: 1_000_000 } });
    fixture = await startAppFixture(upstream.server);
  });
  afterEach(async () => {
    // A console error (a CSP violation, an uncaught exception) in any page of the test fails it.
    const errors = pages.flatMap((opened) => opened.errors);
    for (const opened of pages.splice(0)) await opened.close();
    await fixture.stopTurns();
    assert.deepEqual(errors, []);
  });
  after(async () => {
    await fixture?.close();
    await upstream?.server.close();
  });

  void it('streams the answer as it arrives, then completes it and fills the status bar', async () => {
    const { page, screenshot } = await open();
    await type(page, 'stream 300');
    await page.getByTestId('user-message').filter({ hasText: 'stream 300' }).waitFor({ timeout: APP_WAIT_MS });
    // Text is on the page while the answer is still marked streaming: drawn as tokens arrive.
    const shown = await waitForStreamedTokens(page, 3);
    assert.ok(shown < 300, 'text appeared before the response completed');
    await screenshot('streaming');
    await page.locator('[data-testid="assistant-message"][data-streaming="false"]').waitFor({ timeout: APP_WAIT_MS });
    assert.equal((await lastAnswer(page)).text, streamText(300));
    await waitForIdle(page);
    assert.match(await page.getByTestId('status-tps').innerText(), /^\d+(\.\d)? tok\/s$/);
    assert.match(await page.getByTestId('status-ttft').innerText(), /^TTFT \d+ ms$/);
  });

  void it('Esc stops the answer at once and keeps the partial text', async () => {
    const { page, screenshot } = await open();
    await type(page, `stream ${ENDLESS}`);
    await waitForStreamedTokens(page, 5);
    await page.getByTestId('composer').press('Escape');
    await waitForIdle(page);
    const stopped = await lastAnswer(page);
    assert.equal(stopped.streaming, false);
    const count = stopped.text.split(' ').length;
    assert.ok(count >= 5 && count < ENDLESS, `${count} tokens kept`);
    assert.equal(stopped.text, streamText(count), 'the partial answer stays, every token once');
    await page.getByText('(stopped here)').waitFor({ timeout: APP_WAIT_MS });
    await screenshot('stopped');
    // Nothing arrives after the stop: the thread is idle and a new message starts a new turn.
    await type(page, 'after the stop');
    await page.getByTestId('assistant-message').filter({ hasText: 'You said: after the stop' }).waitFor({ timeout: APP_WAIT_MS });
    assert.equal((await texts(page, 'assistant-message'))[0], stopped.text, 'the stopped answer did not change');
  });

  void it('Enter while the answer streams steers it', async () => {
    const { page, screenshot } = await open();
    await type(page, `stream ${ENDLESS}`);
    await waitForStreamedTokens(page, 5);
    assert.equal(await page.getByTestId('send').innerText(), 'Steer');
    await type(page, 'focus on the tests');
    await page.getByTestId('steer').filter({ hasText: 'steered: focus on the tests' }).waitFor({ timeout: APP_WAIT_MS });
    await page.getByTestId('assistant-message').filter({ hasText: 'You said: focus on the tests' }).waitFor({ timeout: APP_WAIT_MS });
    await waitForIdle(page);
    const answers = await texts(page, 'assistant-message');
    assert.equal(answers.at(-1), 'You said: focus on the tests');
    assert.match(answers[0] ?? '', /^w1( w\d+)*$/, 'the steered answer keeps what it had');
    assert.ok((answers[0]?.split(' ').length ?? ENDLESS) < ENDLESS, 'the stream ended early');
    await screenshot('steered');
  });

  void it('queues two messages with Tab, edits one with ↑, and runs them in order with the edit', async () => {
    const { page, screenshot } = await open();
    // A turn held at an approval runs until the test answers it.
    await type(page, 'run printf gate > gate.txt && cat gate.txt');
    await page.locator('[data-testid="approval"][data-state="pending"]').waitFor({ timeout: APP_WAIT_MS });
    await type(page, 'queued one', 'Tab');
    await type(page, 'queued two', 'Tab');
    await page.getByTestId('queued-item').nth(1).waitFor({ timeout: APP_WAIT_MS });
    assert.deepEqual(await page.locator('[data-testid="queued-item"] .queued-text').allInnerTexts(), ['queued one', 'queued two']);

    const box = page.getByTestId('composer');
    assert.equal(await box.inputValue(), '');
    await box.press('ArrowUp');
    assert.equal(await box.inputValue(), 'queued two', '↑ in the empty box edits the last queued message');
    await type(page, 'queued two, edited');
    await page.locator('[data-testid="queued-item"] .queued-text').filter({ hasText: 'queued two, edited' }).waitFor({ timeout: APP_WAIT_MS });
    assert.deepEqual(await page.locator('[data-testid="queued-item"] .queued-text').allInnerTexts(), ['queued one', 'queued two, edited']);
    await screenshot('queue');

    await page.keyboard.press('Alt+KeyY');
    await page.getByTestId('assistant-message').filter({ hasText: 'You said: queued two, edited' }).waitFor({ timeout: APP_WAIT_MS });
    await waitForIdle(page);
    assert.deepEqual(await texts(page, 'user-message'), ['run printf gate > gate.txt && cat gate.txt', 'queued one', 'queued two, edited']);
    const answers = await texts(page, 'assistant-message');
    assert.deepEqual(answers.slice(-2), ['You said: queued one', 'You said: queued two, edited']);
    assert.equal(await page.getByTestId('queue').count(), 0);
  });

  void it('asks before running a command; Approve runs it and its output shows', async () => {
    const { page, screenshot } = await open();
    await type(page, "run printf 'build ok\\n' > build.log && cat build.log");
    const card = page.locator('[data-testid="approval"][data-state="pending"]');
    await card.waitFor({ timeout: APP_WAIT_MS });
    assert.match(await card.innerText(), /Run this command\?[\s\S]*printf 'build ok\\n' > build\.log && cat build\.log/);
    await screenshot('approval');
    await card.getByTestId('approve').click();
    await page.locator('[data-testid="approval"][data-state="approve"]').waitFor({ timeout: APP_WAIT_MS });
    await page.getByTestId('assistant-message').filter({ hasText: 'Tool said:' }).waitFor({ timeout: APP_WAIT_MS });
    await waitForIdle(page);
    // The call is folded; opening it shows the command's output.
    const call = page.locator('[data-testid="tool-call"][data-tool="shell"]');
    await call.locator('summary').click();
    assert.match(await call.getByTestId('tool-output').innerText(), /build ok/);
    assert.equal(await readFile(join(fixture.workspace, 'build.log'), 'utf8'), 'build ok\n');
    await screenshot('command-output');
  });

  void it("streams a running command's output under its call; Esc stops the command", async () => {
    const { page, screenshot } = await open();
    // Read-only commands run without asking, even in "ask" mode.
    await type(page, 'run echo compiling a.c; echo compiling b.c; sleep 60; echo never');
    const live = page.getByTestId('tool-output-live');
    await live.filter({ hasText: 'compiling b.c' }).waitFor({ timeout: APP_WAIT_MS });
    // Still running: the output arrived before the command's result.
    assert.equal(await page.locator('[data-testid="tool-call"][data-tool="shell"]').last().getAttribute('class').then((value) => value?.includes('tool-running')), true);
    assert.match(await live.innerText(), /compiling a\.c\ncompiling b\.c/);
    await screenshot('command-streaming');
    await page.keyboard.press('Escape');
    await waitForIdle(page);
    assert.equal(await live.count(), 0, 'the live tail gives way to the folded result');
    assert.match(await page.getByTestId('transcript').innerText(), /Interrupted\./);
  });

  void it('shows a patch as a diff, and Undo restores the file on disk', async () => {
    await mkdir(join(fixture.workspace, 'src'), { recursive: true });
    await writeFile(join(fixture.workspace, 'src', 'greet.ts'), GREET_BEFORE);
    const { page, screenshot } = await open();
    await type(page, 'patch');
    const card = page.locator('[data-testid="approval"][data-state="pending"]');
    await card.waitFor({ timeout: APP_WAIT_MS });
    assert.match(await card.innerText(), /Apply this patch\?/);
    assert.equal(await page.getByTestId('diff').count(), 1, 'the diff shows once: in the patch entry, not again in the approval card');
    await page.keyboard.press('Alt+KeyY');
    const patch = page.locator('[data-testid="patch"]');
    await patch.filter({ hasText: 'Patch applied' }).waitFor({ timeout: APP_WAIT_MS });
    await waitForIdle(page);
    assert.equal(await readFile(join(fixture.workspace, 'src', 'greet.ts'), 'utf8'), GREET_AFTER);
    const file = patch.getByTestId('diff-file');
    assert.match(await file.locator('summary').innerText(), /M\s*src\/greet\.ts\s*\+1\s*−1/);
    assert.deepEqual(await file.locator('.diff-del .diff-text').allInnerTexts(), ["  return 'Hello, ' + name;"]);
    assert.deepEqual(await file.locator('.diff-add .diff-text').allInnerTexts(), ['  return `Hello, ${name}!`;']);
    await screenshot('diff');

    await patch.getByTestId('undo').click();
    await patch.filter({ hasText: 'Patch undone' }).waitFor({ timeout: APP_WAIT_MS });
    assert.equal(await readFile(join(fixture.workspace, 'src', 'greet.ts'), 'utf8'), GREET_BEFORE);
    assert.equal(await patch.getByTestId('undo').count(), 0, 'nothing left to undo');
    await screenshot('after-undo');

    // The same thread in the dark system theme: a dark page with light text.
    const dark = await open({ colorScheme: 'dark', hash: new URL(page.url()).hash });
    await dark.page.locator('[data-testid="patch"]').filter({ hasText: 'Patch undone' }).waitFor({ timeout: APP_WAIT_MS });
    const [background, color] = await dark.page.evaluate<string[]>('[getComputedStyle(document.body).backgroundColor, getComputedStyle(document.body).color]');
    assert.ok(luminance(background ?? '') < 0.3, `dark background: ${background}`);
    assert.ok(luminance(color ?? '') > 0.6, `light text: ${color}`);
    await dark.screenshot('dark');
  });

  void it('/bg starts a background agent: the list shows it running then finished, its stream opens, Apply writes its patch, Stop stops one', async () => {
    await mkdir(join(fixture.workspace, 'src'), { recursive: true });
    await writeFile(join(fixture.workspace, 'src', 'greet.ts'), GREET_BEFORE);
    const { page, screenshot } = await open();
    const item = (state: string) => page.locator(`[data-testid="background-item"][data-state="${state}"]`);

    // `stream 5000` runs (and streams) until stopped: its row shows it running, with a live stream.
    await type(page, '/bg stream 5000');
    const running = item('running');
    await running.waitFor({ timeout: APP_WAIT_MS });
    assert.match(await running.getByTestId('background-meta').innerText(), /^scripted · 0 steps · 0 tok · \d+s$/);
    await running.getByTestId('background-open').click();
    await page.getByTestId('background-stream').filter({ hasText: /w1 w2 w3/ }).waitFor({ timeout: APP_WAIT_MS });
    assert.equal(await page.getByTestId('assistant-message').count(), 0, 'its text is in the panel, not the transcript');

    // `patch` edits greet.ts in its own copy and finishes; Apply asks (approval: ask), then writes it.
    await type(page, '/bg patch');
    const finished = item('finished');
    await finished.waitFor({ timeout: APP_WAIT_MS });
    assert.match(await finished.getByTestId('background-meta').innerText(), /^scripted · 2 steps · [\d.]+k? tok · \d+s$/);
    assert.equal(await readFile(join(fixture.workspace, 'src', 'greet.ts'), 'utf8'), GREET_BEFORE, 'nothing written before Apply');
    await finished.getByTestId('background-open').click();
    await page.getByTestId('background-stream').filter({ hasText: '● apply_patch' }).waitFor({ timeout: APP_WAIT_MS });
    await screenshot('background');
    await finished.getByTestId('background-apply').click();
    await page.locator('[data-testid="approval"][data-state="pending"]').waitFor({ timeout: APP_WAIT_MS });
    await page.keyboard.press('Alt+KeyY');
    await item('applied').waitFor({ timeout: APP_WAIT_MS });
    assert.equal(await readFile(join(fixture.workspace, 'src', 'greet.ts'), 'utf8'), GREET_AFTER);

    await running.getByTestId('background-stop').click();
    await item('stopped').waitFor({ timeout: APP_WAIT_MS });
    assert.equal(await item('running').count(), 0);
    assert.match(await item('stopped').getByTestId('background-note').innerText(), /Stopped by the user/);
  });

  void it('a reload mid-stream re-attaches to the same thread and the stream goes on, no text twice', async () => {
    const { page } = await open();
    await type(page, `stream ${ENDLESS}`);
    const before = await waitForStreamedTokens(page, 5);
    const hash = new URL(page.url()).hash;
    assert.match(hash, /^#thread=/);
    await page.reload();
    assert.equal(new URL(page.url()).hash, hash, 'the same thread');
    const after = await waitForStreamedTokens(page, before + 1);
    const growing = await lastAnswer(page);
    assert.equal(growing.text, streamText(growing.text.split(' ').length), 'every token once, none missing');
    await waitForStreamedTokens(page, after + 5);
    await page.getByTestId('composer').press('Escape');
    await waitForIdle(page);
    const final = await lastAnswer(page);
    assert.equal(final.text, streamText(final.text.split(' ').length));
    assert.deepEqual(await texts(page, 'user-message'), [`stream ${ENDLESS}`], 'one user message');
    assert.equal(final.count, 1, 'one answer');
  });

  void it('a second tab on the thread sees the same live transcript', async () => {
    const first = await open();
    await type(first.page, `stream ${ENDLESS}`);
    await waitForStreamedTokens(first.page, 5);
    const second = await fixture.openTab(first, new URL(first.page.url()).hash);
    pages.push(second);
    await waitForStreamedTokens(second.page, 10);
    await second.page.getByTestId('composer').press('Escape');
    await waitForIdle(first.page);
    await waitForIdle(second.page);
    const shown = await Promise.all([first, second].map(async ({ page }) => [await texts(page, 'user-message'), await texts(page, 'assistant-message')]));
    assert.deepEqual(shown[1], shown[0]);
    const answer = shown[0]?.[1]?.[0] ?? '';
    assert.equal(answer, streamText(answer.split(' ').length));
  });

  void it('a page without the token gets the 401 page; a WebSocket from a foreign Origin is refused', async () => {
    const context = await fixture.browser.newContext();
    try {
      const page = await context.newPage();
      const response = await page.goto(`${fixture.app.url}/`);
      assert.equal(response?.status(), 401);
      assert.match(await page.locator('h1').innerText(), /token/);
      const wrong = await page.goto(`${fixture.app.url}/?token=not-the-token-0123456789`);
      assert.equal(wrong?.status(), 401);
    } finally {
      await context.close();
    }
    const { url, token } = fixture.app;
    assert.equal(await upgradeStatus(`${url}${HOST_PATH}?token=${token}`, url), 101, 'the same Origin is let in');
    assert.equal(await upgradeStatus(`${url}${HOST_PATH}?token=${token}`, 'http://evil.example'), 403);
    assert.equal(await upgradeStatus(`${url}${HOST_PATH}`, url), 401);
  });
});

/** The status a WebSocket handshake to `url` with this Origin gets (101 when it is let in). */
function upgradeStatus(url: string, origin: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, {
      headers: { connection: 'Upgrade', upgrade: 'websocket', origin, 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==' },
    });
    req.on('upgrade', (response, socket) => { socket.destroy(); resolve(response.statusCode ?? 0); });
    req.on('response', (response) => { response.resume(); resolve(response.statusCode ?? 0); });
    req.on('error', reject);
    req.end();
  });
}

/** Relative luminance (0 black .. 1 white) of a CSS `rgb(...)` colour. */
function luminance(css: string): number {
  const [r = 0, g = 0, b = 0] = (css.match(/\d+(\.\d+)?/g) ?? []).map(Number);
  return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
}
