// The packaged extension in a real VS Code (code-server in headless Chromium) on the scripted
// engine: the test runs a `spark app` stack (a real server, the agent host mounted, its lock file
// written) for a temp workspace; the extension finds it through the lock file, as it finds a
// running `spark serve`. Each test does what a user does: the palette, the input box, the chat's
// composer and Esc; and asserts what the workbench shows and what is on disk.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { mountApp, type MountedApp } from '@spark/cli/dist/app/mount-app.js';
import { streamText } from '@spark/cli/dist/testing/app-script.js';
import { startTestServer, TEST_MODEL, type TestServer } from '@spark/server/testing';
import { findCodeServer, SPARK_CLI, startCodeServer, VSCODE_WAIT_MS, type VsCodeSession } from '../testing/code-server.js';
import { lastAnswer, openFile, resizePanel, selectLines, waitForDiskText, waitForRewrite } from '../testing/workbench.js';
import { EXPLAIN_QUESTION, MATH_FILE, ROUND_INSTRUCTION, vscodeScript } from '../testing/vscode-script.js';

/** Tokens of a stream no test lets finish: Esc stops it. */
const ENDLESS = 5000;

const install = findCodeServer();

void describe('the extension in code-server, on the scripted engine', { skip: typeof install === 'string' ? install : false }, () => {
  let dir: string;
  let workspace: string;
  let upstream: TestServer;
  let app: MountedApp;
  let vscode: VsCodeSession;

  before(async () => {
    if (typeof install === 'string') return;
    dir = await mkdtemp(join(tmpdir(), 'spark-vscode-e2e-'));
    workspace = join(dir, 'work');
    await mkdir(join(workspace, 'src'), { recursive: true });
    await writeFile(join(workspace, 'src', 'math.ts'), MATH_FILE);
    // The lock file goes under this XDG_RUNTIME_DIR; code-server's extension host gets the same.
    const env = { XDG_RUNTIME_DIR: join(dir, 'run'), SPARK_DATA_DIR: join(dir, 'data') };
    upstream = await startTestServer({ engineOptions: { script: vscodeScript, contextSize: 1_000_000 } });
    app = await mountApp({ server: upstream.server, workspace, env: { ...process.env, ...env } });
    // spark.model: Edit Selection sends the setting as it is, and the server refuses an empty model.
    vscode = await startCodeServer(install, { workspace, env, settings: { 'spark.command': SPARK_CLI, 'spark.model': TEST_MODEL } });
  });

  after(async () => {
    try {
      await vscode?.close();
    } finally {
      await app?.release();
      await upstream?.server.close();
      if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    }
  });

  void it('opens the chat, streams an answer, and Esc stops a stream', () => vscode.capture('chat', async () => {
    await openFile(vscode, 'src/math.ts');
    await vscode.runCommand('Spark: Open Chat');
    const chat = vscode.chatFrame();
    await chat.getByTestId('connection').filter({ hasText: 'open' }).waitFor({ timeout: VSCODE_WAIT_MS });
    await resizePanel(vscode, 330);

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
    // The screenshot shows the diff alone: Ctrl+J hides the panel with the chat.
    await vscode.page.keyboard.press('Control+J');
    await vscode.page.locator('.part.panel').waitFor({ state: 'hidden', timeout: VSCODE_WAIT_MS });
    // The editors' scrollbars show after the relayout and fade a moment later.
    await vscode.page.waitForTimeout(1_500);
    await vscode.screenshot('edit-diff');
    await vscode.runCommand('Spark: Accept Edit');
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
    await vscode.runCommand('Spark: Reject Edit');
    await vscode.page.locator('.monaco-diff-editor').waitFor({ state: 'detached', timeout: VSCODE_WAIT_MS });
    // A save writes whatever the buffer holds: had Reject touched it, the disk would show it.
    await vscode.runCommand('File: Save');
    assert.doesNotMatch(await vscode.page.locator('.monaco-editor .view-lines').first().innerText(), /Math\.round\(a \* b\)/);
    assert.equal(await readFile(join(workspace, 'src', 'math.ts'), 'utf8'), before);
  }));
});
