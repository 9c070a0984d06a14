// The packaged extension in a real VS Code (code-server in headless Chromium) on the scripted
// engine: the test runs a `spark app` stack (a real server, the agent host mounted, its lock file
// written) for a temp workspace; the extension finds it through the lock file, as it finds a
// running `spark serve`. Each test does what a user does: the palette, the input box, the chat's
// composer and Esc; and asserts what the workbench shows and what is on disk.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { streamText } from '@spark/cli/dist/testing/app-script.js';
import { findCodeServer, SPARK_CLI, VSCODE_WAIT_MS, type VsCodeSession } from '../testing/code-server.js';
import { startScriptedWorkbench, type ScriptedWorkbench } from '../testing/scripted-workbench.js';
import { lastAnswer, openFile, widenSideBar, selectLines, waitForDiskText, waitForRewrite } from '../testing/workbench.js';
import { EXPLAIN_QUESTION, MATH_FILE, ROUND_INSTRUCTION } from '../testing/vscode-script.js';

/** Tokens of a stream no test lets finish: Esc stops it. */
const ENDLESS = 5000;

const install = findCodeServer();

void describe('the extension in code-server, on the scripted engine', { skip: typeof install === 'string' ? install : false }, () => {
  let stack: ScriptedWorkbench | undefined;
  let workspace: string;
  let vscode: VsCodeSession;

  before(async () => {
    if (typeof install === 'string') return;
    // No spark.model: Edit Selection takes the model the server lists first, as a user's default setup does.
    stack = await startScriptedWorkbench(install, { prefix: 'spark-vscode-e2e-', files: { 'src/math.ts': MATH_FILE }, settings: { 'spark.command': SPARK_CLI } });
    ({ workspace, vscode } = stack);
  });

  after(() => stack?.close());

  void it('opens the chat, streams an answer, and Esc stops a stream', () => vscode.capture('chat', async () => {
    await openFile(vscode, 'src/math.ts');
    await vscode.runCommand('Spark: Open Chat');
    const chat = vscode.chatFrame();
    await chat.getByTestId('connection').filter({ hasText: 'open' }).waitFor({ timeout: VSCODE_WAIT_MS });
    await widenSideBar(vscode, 760);

    await chat.getByTestId('composer').fill(EXPLAIN_QUESTION);
    await chat.getByTestId('composer').press('Enter');
    await chat.getByTestId('assistant-message').filter({ hasText: 'product next to it multiplies instead' }).waitFor({ timeout: VSCODE_WAIT_MS });
    await chat.getByTestId('stop').waitFor({ state: 'detached', timeout: VSCODE_WAIT_MS });
    await vscode.screenshot('chat');

    await chat.getByTestId('composer').fill(`stream ${ENDLESS}`);
    await chat.getByTestId('composer').press('Enter');
    const deadline = Date.now() + VSCODE_WAIT_MS;
    let streaming = await lastAnswer(chat);
    while (!(streaming.streaming && streaming.tokens >= 5)) {
      if (Date.now() > deadline) throw new Error(`no streaming answer: ${JSON.stringify(streaming).slice(0, 300)}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
      streaming = await lastAnswer(chat);
    }
    await vscode.screenshot('chat-streaming');
    await chat.getByTestId('composer').press('Escape');
    await chat.getByTestId('stop').waitFor({ state: 'detached', timeout: VSCODE_WAIT_MS });
    const stopped = await lastAnswer(chat);
    assert.equal(stopped.streaming, false);
    assert.ok(stopped.tokens >= 5 && stopped.tokens < ENDLESS, `${stopped.tokens} tokens kept`);
    assert.equal(stopped.text, streamText(stopped.tokens), 'the partial answer stays, every token once');
  }));

  void it('Edit Selection streams a diff, and Accept changes the file on disk', () => vscode.capture('accept', async () => {
    await openFile(vscode, 'src/math.ts');
    await selectLines(vscode, 0, 3);
    await vscode.runCommand('Spark: Edit Selection');
    await vscode.answerInput(ROUND_INSTRUCTION);
    await waitForRewrite(vscode, 'Math.round(a + b)');
    // The screenshot shows the diff alone, without the side bar holding the chat.
    await vscode.runCommand('View: Toggle Secondary Side Bar Visibility');
    await vscode.page.locator('.part.auxiliarybar').waitFor({ state: 'hidden', timeout: VSCODE_WAIT_MS });
    // The hunk's own lens, once the stream has ended: accepting this one change is the feature.
    const accept = vscode.page.locator('.monaco-diff-editor .codelens-decoration a', { hasText: 'Accept' });
    await accept.first().waitFor({ timeout: VSCODE_WAIT_MS });
    // The editors' scrollbars show after the relayout and fade a moment later.
    await vscode.page.waitForTimeout(1_500);
    await vscode.screenshot('edit-diff');
    await accept.first().click();
    await vscode.page.locator('.monaco-diff-editor').waitFor({ state: 'detached', timeout: VSCODE_WAIT_MS });
    await vscode.runCommand('File: Save');
    const expected = MATH_FILE.replace('return a + b;', 'return Math.round(a + b);');
    assert.equal(await waitForDiskText(join(workspace, 'src', 'math.ts'), expected), expected);
  }));

  void it('Reject leaves the file as it was', () => vscode.capture('reject', async () => {
    const before = await readFile(join(workspace, 'src', 'math.ts'), 'utf8');
    await openFile(vscode, 'src/math.ts');
    await selectLines(vscode, 4, 7);
    await vscode.runCommand('Spark: Edit Selection');
    await vscode.answerInput(ROUND_INSTRUCTION);
    await waitForRewrite(vscode, 'Math.round(a * b)');
    await vscode.runCommand('Spark: Reject All Changes');
    await vscode.page.locator('.monaco-diff-editor').waitFor({ state: 'detached', timeout: VSCODE_WAIT_MS });
    // A save writes whatever the buffer holds: had Reject touched it, the disk would show it.
    await vscode.runCommand('File: Save');
    assert.doesNotMatch(await vscode.page.locator('.monaco-editor .view-lines').first().innerText(), /Math\.round\(a \* b\)/);
    assert.equal(await readFile(join(workspace, 'src', 'math.ts'), 'utf8'), before);
  }));

  void it('accepts one hunk and rejects another with their own lenses', () => vscode.capture('hunks', async () => {
    const file = join(workspace, 'src', 'math.ts');
    const before = await readFile(file, 'utf8');
    await openFile(vscode, 'src/math.ts');
    await selectLines(vscode, 0, 8);
    await vscode.runCommand('Spark: Edit Selection');
    await vscode.answerInput(ROUND_INSTRUCTION);
    await waitForRewrite(vscode, 'Math.round(a * b)');
    // Both returns rewritten: two hunks, each with its own Accept / Reject once the stream ended.
    const lenses = vscode.page.locator('.monaco-diff-editor .editor.modified .codelens-decoration');
    await lenses.filter({ hasText: 'Accept' }).nth(1).waitFor({ timeout: VSCODE_WAIT_MS });
    await lenses.filter({ hasText: 'Accept' }).first().locator('a', { hasText: 'Reject' }).click();
    await waitForCount(() => lenses.filter({ hasText: 'Accept' }).count(), 1);
    await lenses.filter({ hasText: 'Accept' }).first().locator('a', { hasText: 'Accept' }).click();
    // No hunk left: the diff closes by itself.
    await vscode.page.locator('.monaco-diff-editor').waitFor({ state: 'detached', timeout: VSCODE_WAIT_MS });
    await vscode.runCommand('File: Save');
    const expected = before.replace('return a * b;', 'return Math.round(a * b);');
    assert.notEqual(expected, before);
    assert.equal(await waitForDiskText(file, expected), expected);
  }));
});

/** Polls `count` until it is `expected`, for as long as the workbench is given to react. */
async function waitForCount(count: () => Promise<number>, expected: number): Promise<void> {
  const deadline = Date.now() + VSCODE_WAIT_MS;
  while (await count() !== expected) {
    if (Date.now() > deadline) throw new Error(`expected ${expected}, still ${await count()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
